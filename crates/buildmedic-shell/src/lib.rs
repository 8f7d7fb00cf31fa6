//! buildmedic-shell: reads shell command lines the way buildmedic needs them.
//!
//! Two readers need this: the linter (the `RUN` lines of a Dockerfile) and the diagnosis
//! engine (the command of a failing build step). Both ask the same questions, so they share
//! one answer:
//!
//! 1. **Where are the simple commands?** [`commands`] splits a script on `&&`, `||`, `;`, `|`,
//!    `&`, newlines and parentheses, honouring quotes, escapes, `$(...)`, backticks, `#`
//!    comments and `\`-newline continuations. Every [`Word`] keeps its byte range in the script
//!    and its value with quotes removed.
//! 2. **What program does a command run?** [`invocation`] looks through `VAR=value`
//!    assignments and wrappers (`sudo -u x`, `env`, `time`, `nohup`, `exec`, ...).
//! 3. **Which subcommand?** [`subcommand`] finds it with the manager's own option grammar
//!    (`apt-get -o Acquire::Retries=3 update`, `pip --proxy URL install`).
//! 4. **What does an install command install?** [`install`] recognises pip (`pip`, `pip3.11`,
//!    `python -m pip`, `uv pip`), conda/mamba/micromamba `install|create|update`, `apt-get`/`apt
//!    install`, `apk add` and `yum`/`dnf install`, and returns its [`Install`]: packages,
//!    requirement and constraint files, editables, index URLs, channels. [`installs`] does
//!    it for a whole script, including scripts run by a shell (`sh -c '...'`, and the
//!    legacy builder's `/bin/sh -c pip install x`): give it a failing build step's command
//!    and [`Install::targets`] says what the step installs.
//!
//! ```
//! let step = "apt-get update && apt-get install -y --no-install-recommends curl \\\n && pip install --no-cache-dir -r requirements.txt 'numpy<2' -i https://pypi.example/simple";
//! let installs = buildmedic_shell::installs(step);
//! assert_eq!(installs.len(), 2);
//! assert_eq!(installs[0].packages[0].value, "curl");
//! let pip = &installs[1];
//! assert_eq!(pip.manager, buildmedic_shell::Manager::Pip);
//! assert_eq!(pip.requirement_files[0].value, "requirements.txt");
//! assert_eq!(pip.packages[0].value, "numpy<2");
//! assert_eq!(pip.index_urls[0].value, "https://pypi.example/simple");
//! ```
//!
//! This is a reader of commands, not a shell: nothing is expanded, and `case`, functions and
//! aliases are not understood. It never panics, and every range it returns lies on char
//! boundaries of its input. No dependencies.

mod command;
mod install;
mod lex;

pub use command::{Invocation, invocation};
pub use install::{Install, Manager, Subcommand, Target, install, installs, subcommand};
pub use lex::{SimpleCommand, Token, Word, commands, raw_words, tokenize, unquote};
