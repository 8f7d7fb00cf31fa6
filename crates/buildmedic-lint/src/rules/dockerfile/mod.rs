//! Dockerfiles: syntax, size, build context, `RUN` commands.

pub mod apt_get_failed;
pub mod conda_bare_redirection;
pub mod conda_command_not_found;
pub mod copy_file_not_found;
pub mod dockerfile_malformed;
pub mod dockerfile_too_large;
pub mod unknown_docker_instruction;
