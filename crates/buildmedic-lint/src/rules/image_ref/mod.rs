//! Image references: grammar, pinning, deprecated base images.

pub mod base_image_deprecated;
pub mod base_image_unpinned;
pub mod image_reference_invalid;
