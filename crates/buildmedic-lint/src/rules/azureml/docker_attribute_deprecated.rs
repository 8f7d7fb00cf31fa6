use crate::framework::context::FileCx;
use crate::syntax::yaml::{Node, Yaml};

crate::declare_check! {
    /// ## What it does
    /// Flags v1 `docker` attributes that moved to the run configuration, when they are set to
    /// anything but their default: `enabled: true`, non-empty `arguments`,
    /// `sharedVolumes: false`, `gpuSupport: true`, `shmSize` other than `2g` (also spelled
    /// `shm_size` / `smh_size`).
    ///
    /// ## Why it matters
    /// These are container run options, not part of the image; Azure ML rejects definitions
    /// that set them.
    ///
    /// ## Example
    /// ```json
    /// "docker": {"baseImage": "...", "enabled": true, "shmSize": "16g"}
    /// ```
    ///
    /// ## Fix
    /// Remove them from the environment and set them on
    /// `azureml.core.runconfig.DockerConfiguration` (`use_docker`, `shm_size`, `arguments`,
    /// `shared_volumes`). GPU support is detected automatically.
    id: "docker-attribute-deprecated", severity: Warning, fixable: false, catalog: "D09"
}

pub(crate) fn check(docker: &Node, cx: &mut FileCx<'_>) {
    let Some(map) = docker.as_map() else { return };
    for (k, v) in map {
        let Some(key) = k.as_str() else { continue };
        let non_default = match key {
            "enabled" => v.value == Yaml::Bool(true),
            "arguments" => !v.is_empty(),
            "sharedVolumes" | "shared_volumes" => v.value == Yaml::Bool(false),
            "gpuSupport" | "gpu_support" => v.value == Yaml::Bool(true),
            "shmSize" | "shm_size" | "smh_size" => !v.is_null() && v.as_str() != Some("2g"),
            _ => false,
        };
        if non_default {
            cx.report(&CHECK, k.span.clone(), format!("`docker.{key}` is deprecated in environment definitions"))
                .help("set it on the run configuration (azureml.core.runconfig.DockerConfiguration) instead");
        }
    }
}
