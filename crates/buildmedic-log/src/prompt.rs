//! Shell prompts and CI echoes of a command: `$ cmd`, `+ cmd`, `user@host:~$ cmd`, ...

use crate::prefix::skip_spaces;

/// Where the command starts on a line that shows a shell prompt or a CI system echoing the
/// command it runs: `$ cmd`, `# cmd`, `+ cmd` (set -x), `user@host:~/dir$ cmd`,
/// `(base) $ cmd`, `PS C:\dir> cmd`, `C:\dir>cmd`, `[command]cmd` (GitHub Actions),
/// `Running command cmd` (CodeBuild), `Unpacking rootfs as cmd CMD requires it.` (kaniko,
/// before it extracts the base filesystem a Dockerfile command needs). `None` for other lines.
pub fn prompt_command(s: &[u8]) -> Option<usize> {
    prompt_span(s).map(|(start, _)| start)
}

/// kaniko `pkg/executor/build.go`: `Unpacking rootfs as cmd %s requires it.`
const KANIKO_UNPACK: &[u8] = b"Unpacking rootfs as cmd ";
const KANIKO_UNPACK_END: &[u8] = b" requires it.";

/// Where the command of a [`prompt_command`] line starts and ends (an echo that wraps the
/// command in a sentence ends before the sentence's tail).
pub fn prompt_span(s: &[u8]) -> Option<(usize, usize)> {
    let start = prompt_start(s)?;
    let mut end = s.len();
    while end > start && s[end - 1].is_ascii_whitespace() {
        end -= 1;
    }
    if start >= KANIKO_UNPACK.len()
        && s[..start].ends_with(KANIKO_UNPACK)
        && s[start..end].ends_with(KANIKO_UNPACK_END)
    {
        end -= KANIKO_UNPACK_END.len();
    }
    (end > start).then_some((start, end))
}

/// A container client's command pasted without its prompt (`docker push acme/app:1`, also
/// indented by the paste): the program and a subcommand that names an image or a build.
fn bare_container_command(s: &[u8]) -> Option<usize> {
    const PROGRAMS: [&[u8]; 3] = [b"docker ", b"podman ", b"nerdctl "];
    const SUBCOMMANDS: [&[u8]; 6] = [
        b"push ", b"pull ", b"build ", b"run ", b"buildx ", b"image ",
    ];
    let indent = s.iter().take(5).take_while(|b| **b == b' ').count();
    let rest = &s[indent..];
    if !matches!(rest.first(), Some(b'd' | b'p' | b'n')) {
        return None;
    }
    let program = PROGRAMS.iter().find(|p| rest.starts_with(p))?;
    let sub = &rest[program.len()..];
    SUBCOMMANDS
        .iter()
        .any(|c| sub.starts_with(c) && sub.len() > c.len())
        .then_some(indent)
}

fn prompt_start(s: &[u8]) -> Option<usize> {
    if let Some(at) = bare_container_command(s) {
        return Some(at);
    }
    // An indented `+ cmd` / `$ cmd`: an excerpt its paste indented. Column-aligned tables
    // that look alike (mamba's `  + numpy   1.26.4  py311h  conda-forge`) have runs of spaces
    // after the marker; a command that needs them is rare.
    let indent = s.iter().take_while(|b| matches!(b, b' ' | b'\t')).count();
    if indent > 0 {
        let rest = &s[indent..];
        let marked = matches!(rest.first(), Some(b'$' | b'+')) && rest.get(1) == Some(&b' ');
        if !marked || memchr::memmem::find(&rest[2..], b"  ").is_some() {
            return None;
        }
        return prompt_start(rest).map(|at| at + indent);
    }
    let mut at = 0;
    // A conda environment marker before the prompt: `(base) $ conda install ...`.
    if s.first() == Some(&b'(') {
        let close = memchr::memchr(b')', &s[..s.len().min(64)])?;
        at = close + 1;
        if s.get(at) != Some(&b' ') {
            return None;
        }
        at += 1;
    }
    let rest = &s[at..];
    let cmd = if rest.starts_with(b"[command]") {
        at + 9
    } else if rest.starts_with(b"Running command ") {
        at + 16
    } else if rest.starts_with(KANIKO_UNPACK) {
        if !rest.trim_ascii_end().ends_with(KANIKO_UNPACK_END) {
            return None;
        }
        at + KANIKO_UNPACK.len()
    } else if (rest.starts_with(b"PS ") && rest.get(4) == Some(&b':'))
        || (rest.len() > 3 && rest[0].is_ascii_alphabetic() && rest[1] == b':' && rest[2] == b'\\')
    {
        // PowerShell `PS C:\dir> cmd` and cmd.exe `C:\dir>cmd`.
        at + memchr::memchr(b'>', &rest[..rest.len().min(256)])? + 1
    } else if matches!(rest.first(), Some(b'$' | b'+' | b'#' | b'%'))
        && rest.get(1) == Some(&b' ')
        // Commands start in lower case or with a path; `# To activate this environment`
        // (conda) and `% Total` (curl's progress header) do not.
        && rest.get(2).is_some_and(|b| b.is_ascii_lowercase() || matches!(b, b'/' | b'.'))
    {
        at + 2
    } else if rest.starts_with("❯ ".as_bytes()) || rest.starts_with("➜ ".as_bytes()) {
        // zsh/starship prompts.
        at + rest.iter().position(|b| *b == b' ')? + 1
    } else {
        // `user@host:~/dir$ cmd` / `root@abc:/app# cmd` / `alpine:~/nginx# cmd`, or the
        // working directory alone before the marker (`esp8266 $ make`, bash's `\W $ `).
        let sp = memchr::memchr(b' ', &rest[..rest.len().min(128)])?;
        let token = &rest[..sp];
        let dir_prompt = !token.is_empty()
            && token.len() <= 64
            && token
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || b"_.~/-".contains(b))
            && rest[sp..].starts_with(b" $ ")
            && rest
                .get(sp + 3)
                .is_some_and(|b| b.is_ascii_lowercase() || matches!(b, b'/' | b'.'));
        if dir_prompt {
            at + sp + 3
        } else if token.len() < 3
            || !matches!(token.last(), Some(b'$' | b'#'))
            || !token.iter().any(|b| matches!(b, b'@' | b':' | b'~'))
        {
            return None;
        } else {
            at + sp + 1
        }
    };
    let cmd = skip_spaces(s, cmd);
    // The command must start like one: a letter, a path or `./`; not more prompt noise.
    match s.get(cmd) {
        Some(b) if b.is_ascii_alphabetic() || *b == b'/' || *b == b'.' || *b == b'_' => Some(cmd),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prompts() {
        let cmd = |s: &str| prompt_command(s.as_bytes()).map(|i| s[i..].to_string());
        assert_eq!(
            cmd("$ docker build -t x ."),
            Some("docker build -t x .".into())
        );
        assert_eq!(
            cmd("+ pip install -r requirements.txt"),
            Some("pip install -r requirements.txt".into())
        );
        assert_eq!(cmd("# pip install numpy"), Some("pip install numpy".into()));
        assert_eq!(
            cmd("   + uv pip install '/wheels/x*.whl'"),
            Some("uv pip install '/wheels/x*.whl'".into())
        );
        assert_eq!(
            cmd("  + numpy      1.26.4  py311h64a7726_0  conda-forge"),
            None
        );
        assert_eq!(cmd("  # pip install numpy"), None);
        assert_eq!(cmd("    - numpy"), None);
        assert_eq!(
            cmd("(base) PS C:\\work> conda install -c menpo dlib"),
            Some("conda install -c menpo dlib".into())
        );
        assert_eq!(
            cmd("C:\\Users\\me>docker build ."),
            Some("docker build .".into())
        );
        assert_eq!(cmd("root@4f2a:/app# make"), Some("make".into()));
        assert_eq!(cmd("esp8266 $ make"), Some("make".into()));
        assert_eq!(
            cmd("~/src/app $ docker build ."),
            Some("docker build .".into())
        );
        assert_eq!(cmd("Total $ 12"), None);
        assert_eq!(cmd("costs $ Total"), None);
        assert_eq!(cmd("two words $ make"), None);
        assert_eq!(
            cmd("alpine:~/nginx# docker build -t web ."),
            Some("docker build -t web .".into())
        );
        assert_eq!(
            cmd("❯ make -f Makefile.am docker"),
            Some("make -f Makefile.am docker".into())
        );
        assert_eq!(cmd("% conda env create"), Some("conda env create".into()));
        assert_eq!(
            cmd("user@host:~/src$ ./build.sh"),
            Some("./build.sh".into())
        );
        assert_eq!(
            cmd("[command]/usr/bin/docker build ."),
            Some("/usr/bin/docker build .".into())
        );
        assert_eq!(
            cmd("Running command docker build -t app ."),
            Some("docker build -t app .".into())
        );
        let span = |s: &str| prompt_span(s.as_bytes()).map(|(a, b)| s[a..b].to_string());
        assert_eq!(
            span("Unpacking rootfs as cmd COPY --from=build /out/app /usr/bin/app requires it. "),
            Some("COPY --from=build /out/app /usr/bin/app".into())
        );
        assert_eq!(
            span("Unpacking rootfs as cmd RUN pip install -r requirements.txt requires it."),
            Some("RUN pip install -r requirements.txt".into())
        );
        assert_eq!(span("$ make install  "), Some("make install".into()));
        assert_eq!(cmd("Unpacking rootfs as cmd COPY x y"), None);
        assert_eq!(cmd("Unpacking rootfs"), None);
        assert_eq!(cmd("# 1 is the answer"), None);
        assert_eq!(cmd("# To activate this environment, use"), None);
        assert_eq!(cmd("% Total    % Received % Xferd"), None);
        assert_eq!(cmd("$ "), None);
        assert_eq!(cmd("Collecting numpy"), None);
        assert_eq!(cmd("email me@host.com# now"), None);
        assert_eq!(cmd("(unclosed $ x"), None);
        assert_eq!(
            cmd("  docker push acme/app:106"),
            Some("docker push acme/app:106".into())
        );
        assert_eq!(
            cmd("podman build -t x ."),
            Some("podman build -t x .".into())
        );
        assert_eq!(cmd("docker push"), None);
        assert_eq!(cmd("docker pushed the image"), None);
        assert_eq!(cmd("dockerd push x"), None);
        assert_eq!(cmd("      docker push x"), None);
    }
}
