//! Secret redaction for everything buildmedic prints.
//!
//! Build logs and environment files carry credentials in a handful of recurring shapes:
//! passwords in URLs, SAS signatures on blob URLs, `Authorization` headers, bearer tokens,
//! `docker login -p`, `--password` flags, `*_TOKEN=` assignments and vendor token formats.
//! Every string that leaves buildmedic (evidence lines, commands, entities, lint messages)
//! goes through [`redact`]; the rest of the code never prints raw input.
//!
//! This module owns *what* a secret looks like. It must not decide *whether* to print
//! something: callers redact and then print.

use std::borrow::Cow;
use std::sync::LazyLock;

use aho_corasick::AhoCorasick;
use regex::{Captures, Regex};

/// What a redacted value is replaced with, in every output format.
pub const MASK: &str = "***";

struct Rule {
    /// Cheap literal that must occur (ASCII case-insensitively) for the regex to be worth running.
    needles: &'static [&'static str],
    regex: Regex,
    /// Replacement: the capture group `keep` is kept, the secret group is masked.
    replace: fn(&Captures<'_>) -> String,
}

fn keep_prefix(c: &Captures<'_>) -> String {
    format!("{}{MASK}", &c["keep"])
}

fn mask_all(_: &Captures<'_>) -> String {
    MASK.to_string()
}

fn url_userinfo(c: &Captures<'_>) -> String {
    let scheme = &c["scheme"];
    let user = &c["user"];
    match c.name("pass") {
        // user:password@ — the user name stays (it tells which account), the password goes.
        Some(_) => format!("{scheme}{user}:{MASK}@"),
        // A lone user part is often a token (`https://ghp_xxx@github.com`). Keep short,
        // human-looking names; mask everything else.
        None if looks_like_account_name(user) => format!("{scheme}{user}@"),
        None => format!("{scheme}{MASK}@"),
    }
}

fn looks_like_account_name(user: &str) -> bool {
    user.len() <= 16
        && !user.is_empty()
        && user
            .bytes()
            .all(|b| b.is_ascii_lowercase() || matches!(b, b'.' | b'_' | b'-'))
}

// The patterns are constants of this file: a pattern that does not compile is a bug caught
// by the first test that redacts (`every_rule_compiles` forces them all), not an input error.
#[allow(clippy::expect_used)]
static RULES: LazyLock<Vec<Rule>> = LazyLock::new(|| {
    let rule = |needles, pattern: &str, replace| Rule {
        needles,
        regex: Regex::new(pattern).expect("redaction patterns are valid"),
        replace,
    };
    vec![
        // scheme://user:password@host and scheme://token@host
        rule(
            &["://"],
            r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<user>[^\s/@:?#]+)(?::(?P<pass>[^\s/@]*))?@",
            url_userinfo,
        ),
        // Azure SAS and other signed-URL query values.
        rule(
            &[
                "sig=",
                "sv=",
                "token=",
                "signature=",
                "credential=",
                "key=",
                "secret=",
                "password=",
            ],
            r"(?i)(?P<keep>[?&](?:sig|sv|token|access_token|x-amz-signature|x-amz-credential|x-amz-security-token|api[_-]?key|key|secret|password|passwd)=)[^&\s#'\x22]+",
            keep_prefix,
        ),
        // Authorization headers (Basic, Bearer, token, anything).
        rule(
            &["authorization"],
            r"(?i)(?P<keep>\bauthorization\s*[:=]\s*)(?:[A-Za-z]+\s+)?[^\s'\x22,;]+",
            keep_prefix,
        ),
        rule(
            &["bearer"],
            r"(?i)(?P<keep>\bbearer\s+)[A-Za-z0-9._~+/=-]{6,}",
            keep_prefix,
        ),
        // docker login -p VALUE / -pVALUE / --password VALUE / --password=VALUE / --token VALUE
        rule(
            &["login"],
            r"(?P<keep>\blogin\b[^\n]*?\s-p(?:\s+|=)?)[^\s'\x22]+",
            keep_prefix,
        ),
        rule(
            &[
                "--password",
                "--passwd",
                "--token",
                "--secret",
                "--api-key",
                "--access-token",
            ],
            r"(?P<keep>--(?:password|passwd|token|secret|api-key|access-token)(?:\s+|=))[^\s-][^\s]*",
            keep_prefix,
        ),
        // podman, buildah and skopeo: --creds USER:PASS, --src-creds / --dest-creds (the user
        // stays), --src-password / --dest-password, --registry-token / --src-registry-token
        rule(
            &["-creds"],
            r"(?P<keep>--(?:src-|dest-|from-)?creds(?:\s+|=)['\x22]?[^\s:'\x22]*:)[^\s'\x22]+",
            keep_prefix,
        ),
        rule(
            &["-password", "-registry-token"],
            r"(?P<keep>--(?:src|dest)-(?:password|registry-token)(?:\s+|=)|--registry-token(?:\s+|=))[^\s-][^\s]*",
            keep_prefix,
        ),
        // ENV-style assignments: HF_TOKEN=..., DB_PASSWORD: ..., AWS_SECRET_ACCESS_KEY=...
        rule(
            &[
                "PASSWORD",
                "PASSWD",
                "TOKEN",
                "SECRET",
                "API_KEY",
                "APIKEY",
                "ACCESS_KEY",
                "PRIVATE_KEY",
            ],
            r"(?P<keep>\b(?:[A-Z0-9]+_)*(?:PASSWORD|PASSWD|TOKEN|SECRET|SECRET_KEY|API_KEY|APIKEY|ACCESS_KEY|PRIVATE_KEY|AUTH_TOKEN)\b\s*[=:]\s*['\x22]?)[^\s'\x22]+",
            keep_prefix,
        ),
        // Vendor token formats that are secrets wherever they appear.
        rule(
            &[
                "ghp_",
                "gho_",
                "ghu_",
                "ghs_",
                "ghr_",
                "github_pat_",
                "glpat-",
                "pypi-",
                "hf_",
                "npm_",
                "xox",
                "AKIA",
                "eyJ",
            ],
            r"\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|glpat-[A-Za-z0-9_-]{20,}|pypi-[A-Za-z0-9_-]{20,}|hf_[A-Za-z0-9]{20,}|npm_[A-Za-z0-9]{20,}|xox[abprs]-[A-Za-z0-9-]{10,}|AKIA[0-9A-Z]{16}|eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,})",
            mask_all,
        ),
    ]
});

/// Every rule's needles in one automaton (ASCII case-insensitive), with the rule of each.
/// The needles are constants: a build that fails here fails every redaction test.
#[allow(clippy::expect_used)]
static NEEDLES: LazyLock<(AhoCorasick, Vec<usize>)> = LazyLock::new(|| {
    let mut patterns = Vec::new();
    let mut rule_of = Vec::new();
    for (i, rule) in RULES.iter().enumerate() {
        for n in rule.needles {
            patterns.push(*n);
            rule_of.push(i);
        }
    }
    let ac = AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .kind(Some(aho_corasick::AhoCorasickKind::DFA))
        .build(&patterns)
        .expect("redaction needles are valid");
    (ac, rule_of)
});

/// Returns `text` with every secret replaced by [`MASK`]. Borrowed when nothing matched.
///
/// One pass finds which rules' needles occur (masking never adds a needle, so the set found
/// in the input covers the text after earlier rules); only those rules' regexes run. A
/// whole build log is redacted in about the time of one regex pass.
pub fn redact(text: &str) -> Cow<'_, str> {
    let (ac, rule_of) = &*NEEDLES;
    let mut wanted = vec![false; RULES.len()];
    let mut left = RULES.len();
    for m in ac.find_overlapping_iter(text) {
        let rule = rule_of[m.pattern().as_usize()];
        if !wanted[rule] {
            wanted[rule] = true;
            left -= 1;
            if left == 0 {
                break;
            }
        }
    }
    let mut out: Cow<'_, str> = Cow::Borrowed(text);
    for (rule, _) in RULES.iter().zip(&wanted).filter(|(_, w)| **w) {
        if let Cow::Owned(s) = rule.regex.replace_all(&out, rule.replace) {
            out = Cow::Owned(s);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(input: &str, expected: &str) {
        assert_eq!(redact(input), expected, "input: {input}");
    }

    #[test]
    fn every_rule_compiles() {
        assert!(!RULES.is_empty());
    }

    #[test]
    fn url_passwords_are_masked_user_kept() {
        check(
            "pip install --index-url https://alice:s3cr3t@pkgs.example.com/simple foo",
            "pip install --index-url https://alice:***@pkgs.example.com/simple foo",
        );
        check(
            "git+https://oauth2:glpat-abcdefghijklmnopqrstu@gitlab.com/x.git",
            "git+https://oauth2:***@gitlab.com/x.git",
        );
    }

    #[test]
    fn url_token_as_user_is_masked() {
        check(
            "https://ghp_0123456789abcdefghijABCDEFGHIJ012345@github.com/org/repo",
            "https://***@github.com/org/repo",
        );
        check("https://deploy@github.com/x", "https://deploy@github.com/x");
    }

    #[test]
    fn sas_signature_is_masked_expiry_kept() {
        check(
            "https://acct.blob.core.windows.net/c/w.whl?sv=2020-08-04&se=2021-01-01T00%3A00Z&sp=r&sig=AbC%2Bdef%3D",
            "https://acct.blob.core.windows.net/c/w.whl?sv=***&se=2021-01-01T00%3A00Z&sp=r&sig=***",
        );
    }

    #[test]
    fn authorization_and_bearer() {
        check("Authorization: Bearer abc.def.ghi", "Authorization: ***");
        check("authorization=Basic dXNlcjpwYXNz", "authorization=***");
        check(
            "curl -H 'X: Bearer 0123456789abcdef' x",
            "curl -H 'X: Bearer ***' x",
        );
    }

    #[test]
    fn docker_login_and_password_flags() {
        check(
            "docker login myacr.azurecr.io -u admin -p Pa55word!",
            "docker login myacr.azurecr.io -u admin -p ***",
        );
        check(
            "az acr login --name x --password hunter2",
            "az acr login --name x --password ***",
        );
        check(
            "tool --password=hunter2 --verbose",
            "tool --password=*** --verbose",
        );
        check(
            "docker login --password-stdin -u me",
            "docker login --password-stdin -u me",
        );
    }

    #[test]
    fn container_tool_credentials_are_masked() {
        for (input, want) in [
            (
                "skopeo copy --src-creds alice:s3cr3t docker://a dir:/x",
                "skopeo copy --src-creds alice:*** docker://a dir:/x",
            ),
            (
                "podman pull --creds=bob:hunter22 quay.io/x",
                "podman pull --creds=bob:*** quay.io/x",
            ),
            (
                "skopeo copy --dest-password hunter22 --dest-username u a b",
                "skopeo copy --dest-password *** --dest-username u a b",
            ),
            (
                "skopeo inspect --src-registry-token eyJhbGciOi docker://x",
                "skopeo inspect --src-registry-token *** docker://x",
            ),
            (
                "buildah from --creds bob docker://x",
                "buildah from --creds bob docker://x",
            ),
        ] {
            assert_eq!(redact(input), want, "{input}");
        }
    }

    #[test]
    fn conda_prefix_flag_is_not_a_password() {
        check(
            "conda create -p /azureml-envs/azureml_abc -f env.yml",
            "conda create -p /azureml-envs/azureml_abc -f env.yml",
        );
    }

    #[test]
    fn env_assignments() {
        check("ENV HF_TOKEN=hf_abc123", "ENV HF_TOKEN=***");
        check(
            "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG",
            "AWS_SECRET_ACCESS_KEY=***",
        );
        check(
            "ENV TOKENIZERS_PARALLELISM=false",
            "ENV TOKENIZERS_PARALLELISM=false",
        );
        check("tokenizers==0.13.3", "tokenizers==0.13.3");
    }

    #[test]
    fn vendor_tokens() {
        check(
            "token ghp_0123456789abcdefghijABCDEFGHIJ012345 leaked",
            "token *** leaked",
        );
        check("key AKIAIOSFODNN7EXAMPLE here", "key *** here");
    }

    #[test]
    fn ordinary_lines_are_borrowed() {
        let line = "ERROR: Could not find a version that satisfies the requirement torch==9.9";
        assert!(matches!(redact(line), Cow::Borrowed(_)));
        let img = "docker.io/library/python@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        assert!(matches!(redact(img), Cow::Borrowed(_)));
    }

    proptest::proptest! {
        #[test]
        fn redaction_is_idempotent(s in "\\PC{0,120}") {
            let once = redact(&s).into_owned();
            let twice = redact(&once).into_owned();
            proptest::prop_assert_eq!(once, twice);
        }

        #[test]
        fn url_password_never_survives(user in "[a-z]{1,8}", pass in "[A-Za-z0-9]{6,20}", host in "[a-z]{3,10}\\.com") {
            let line = format!("pip install -i https://{user}:{pass}@{host}/simple pkg");
            let out = redact(&line);
            let needle = format!(":{pass}@");
            proptest::prop_assert!(!out.contains(&needle));
        }
    }
}
