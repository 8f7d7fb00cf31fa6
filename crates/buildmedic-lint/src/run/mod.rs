//! The runner: the only modules that name checks. [`registry`] lists them all; the
//! dispatchers (`azureml_v1`, `azureml_v2`, `conda`, `requirements`, `dockerfile`,
//! `image_ref`) call them on the models of their format; [`linter`] drives a run over the
//! files [`discover`] reads.

pub(crate) mod azureml_v1;
pub(crate) mod azureml_v2;
pub(crate) mod classify;
pub(crate) mod conda;
pub(crate) mod decode;
pub(crate) mod discover;
pub(crate) mod dockerfile;
pub(crate) mod image_ref;
pub mod linter;
pub(crate) mod paths;
pub mod registry;
pub(crate) mod requirements;

pub use dockerfile::lint as lint_dockerfile;
