//! Runs the image checks on one image reference: grammar first; a valid reference is then
//! checked for pinning and deprecation.

use crate::framework::context::FileCx;
use crate::rules::image_ref::{
    base_image_deprecated, base_image_unpinned, image_reference_invalid,
};
use crate::syntax::asks::Image;

pub(crate) fn check(image: &Image, cx: &mut FileCx<'_>) {
    if !image_reference_invalid::check(image, cx) {
        return;
    }
    base_image_unpinned::check(image, cx);
    base_image_deprecated::check(image, cx);
}
