//! Snapshots of every `diagnose` output format for a diagnosis linked to its definition
//! (`diagnose --env`): the definition frame, lint's note and the suggested edit.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use buildmedic_engine::Engine;
use buildmedic_link::{Env, LinkOptions};
use buildmedic_render::diagnosis::{Format, render};

const DOCKERFILE: &str = "\
FROM python:3.11-slim
WORKDIR /app
COPY src/requirements.txt /app/requirements.txt
RUN pip install -r /app/requirements.txt
";

const LOG: &str = "\
#1 [internal] load build definition from Dockerfile
#1 DONE 0.0s
#5 [2/3] COPY src/requirements.txt /app/requirements.txt
#5 ERROR: failed to calculate checksum of ref 4c1a::abc: \"/src/requirements.txt\": not found
------
 > [2/3] COPY src/requirements.txt /app/requirements.txt:
------
ERROR: failed to solve: failed to compute cache key: failed to calculate checksum of ref 4c1a::abc: \"/src/requirements.txt\": not found
";

/// The four formats, with the temporary directory written as `CTX`.
fn rendered() -> Vec<(&'static str, String)> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("src")).unwrap();
    std::fs::write(dir.path().join("src/Requirements.txt"), "flask\n").unwrap();
    std::fs::write(dir.path().join("Dockerfile"), DOCKERFILE).unwrap();
    let engine = Engine::builtin().unwrap();
    let mut d = engine.diagnose_bytes(LOG.as_bytes(), "build.log");
    let env = Env::open(
        &[dir.path().join("Dockerfile")],
        LinkOptions {
            offline: true,
            preflight: None,
        },
    )
    .unwrap();
    env.link(&mut d);
    let ctx = dir.path().display().to_string();
    [
        ("text", Format::Text),
        ("markdown", Format::Markdown),
        ("github", Format::Github),
        ("json", Format::Json),
    ]
    .into_iter()
    .map(|(name, f)| (name, render(&d, f, false).replace(&ctx, "CTX")))
    .collect()
}

#[test]
fn linked_diagnosis_formats() {
    for (name, out) in rendered() {
        insta::assert_snapshot!(format!("linked_{name}"), out);
    }
}

#[test]
fn json_carries_the_definition_and_the_edit() {
    let (_, json) = rendered().into_iter().find(|(n, _)| *n == "json").unwrap();
    let v: serde_json::Value = serde_json::from_str(json.trim()).unwrap();
    let f = &v["findings"][0];
    let def = &f["definition"];
    assert_eq!(def["file"], "CTX/Dockerfile");
    for (key, want) in [
        ("line", 3),
        ("column", 6),
        ("end_line", 3),
        ("end_column", 26),
    ] {
        assert_eq!(def[key], want, "{key}: {def}");
    }
    let edit = &f["edit"];
    assert_eq!(edit["file"], "CTX/Dockerfile");
    assert!(
        edit["diff"]
            .as_str()
            .unwrap()
            .contains("+COPY src/Requirements.txt /app/requirements.txt\n")
    );
    assert_eq!(edit["verification"], "build-context");
}

#[test]
fn github_annotates_the_definition_file() {
    let (_, gh) = rendered()
        .into_iter()
        .find(|(n, _)| *n == "github")
        .unwrap();
    assert!(
        gh.lines()
            .any(|l| l
                .starts_with("::error file=CTX/Dockerfile,line=3,col=6,endLine=3,endColumn=26,")),
        "{gh}"
    );
}
