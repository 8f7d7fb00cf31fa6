//! `diagnose --env` with preflight: the edit's version, channel or tag comes from the test
//! services (a conda channel, a package index and a registry on loopback, started by
//! `scripts/test.sh`), and the edited definition is checked again with preflight.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../../buildmedic-preflight/tests/common/mod.rs"]
mod common;

use std::path::PathBuf;

use buildmedic_engine::{Diagnosis, Engine, Finding};
use buildmedic_link::{Env, LinkOptions, apply};
use buildmedic_preflight::{CondaTarget, ImageTarget, PipTarget, Preflight};

struct Online {
    services: common::Services,
    dir: tempfile::TempDir,
    /// Channels preflight looks in for a package the definition's channels lack.
    well_known: Vec<String>,
}

impl Online {
    fn new(test: &str) -> Option<Online> {
        let services = common::services(test)?;
        Some(Online {
            services,
            dir: tempfile::tempdir().unwrap(),
            well_known: Vec::new(),
        })
    }

    fn options(&self) -> buildmedic_preflight::Options {
        let mut o = self.services.options(&self.dir.path().join("cache"));
        o.conda.well_known = self.well_known.clone();
        o
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    /// Diagnoses `log`, links it to `path` with preflight on, applies the edits.
    fn link_and_fix(&self, log: &str, path: &PathBuf) -> Diagnosis {
        let engine = Engine::builtin().unwrap();
        let mut d = engine.diagnose_bytes(log.as_bytes(), "build.log");
        let env = Env::open(
            std::slice::from_ref(path),
            LinkOptions {
                offline: false,
                preflight: Some(self.options()),
            },
        )
        .unwrap();
        let edits = env.link(&mut d);
        assert!(!edits.is_empty(), "an edit is proposed: {d:#?}");
        for e in &edits {
            apply(e).unwrap();
        }
        d
    }

    fn preflight(&self) -> Preflight {
        Preflight::new(self.options()).unwrap()
    }
}

/// The primary finding, of `kind`, linked to `line`, with an edit preflight verified.
fn verified<'a>(d: &'a Diagnosis, kind: &str, line: usize) -> &'a Finding {
    let f = d.primary().unwrap();
    assert_eq!(f.kind, kind);
    assert_eq!(f.definition.as_ref().unwrap().line, line, "{f:#?}");
    let edit = f.edit.as_ref().unwrap_or_else(|| panic!("{f:#?}"));
    assert_eq!(edit.verification, "verified", "{edit:#?}");
    assert!(edit.preflight.is_some(), "what preflight said is kept");
    f
}

#[test]
fn a_missing_conda_version_is_pinned_to_the_newest_the_channel_has_for_this_python() {
    let Some(o) = Online::new("conda pin") else {
        return;
    };
    let main = format!("{}/main", o.services.get("BM_CONDA_URL"));
    let path = o.write(
        "environment.yml",
        &format!(
            "name: t\nchannels:\n  - {main}\ndependencies:\n  - python=3.11\n  - demo-lib=9.9\n"
        ),
    );
    let log = format!(
        "Step 2/2 : RUN conda env create -f environment.yml
Collecting package metadata (repodata.json): done
Solving environment: failed

PackagesNotFoundError: The following packages are not available from current channels:

  - demo-lib=9.9

Current channels:

  - {main}/linux-64
  - {main}/noarch

The command '/bin/sh -c conda env create -f environment.yml' returned a non-zero code: 1
"
    );
    let d = o.link_and_fix(&log, &path);
    verified(&d, "conda-package-not-found", 6);
    let after = std::fs::read_to_string(&path).unwrap();
    // 1.1.0 exists only for Python 3.9: the newest for 3.11 is 1.0.0.
    assert!(after.contains("  - demo-lib=1.0.0\n"), "{after}");
    let mut t = CondaTarget::new("demo-lib=1.0.0", vec![main]);
    t.python = Some("3.11".into());
    assert!(o.preflight().check_conda(&t).status.is_ok());
}

#[test]
fn a_package_only_another_channel_carries_adds_that_channel() {
    let Some(mut o) = Online::new("conda channel") else {
        return;
    };
    let url = o.services.get("BM_CONDA_URL");
    o.well_known = vec![format!("{url}/other")];
    let main = format!("{url}/main");
    let path = o.write(
        "environment.yml",
        &format!("channels:\n  - {main}\ndependencies:\n  - python=3.11\n  - other-only\n"),
    );
    let log = format!(
        "Step 2/2 : RUN conda env create -f environment.yml
PackagesNotFoundError: The following packages are not available from current channels:

  - other-only

Current channels:

  - {main}/linux-64
  - {main}/noarch
The command '/bin/sh -c conda env create -f environment.yml' returned a non-zero code: 1
"
    );
    let d = o.link_and_fix(&log, &path);
    verified(&d, "conda-package-not-found", 5);
    let after = std::fs::read_to_string(&path).unwrap();
    assert!(after.contains(&format!("  - {url}/other\n")), "{after}");
    assert!(after.contains("  - other-only=4.2.0\n"), "{after}");
    let mut t = CondaTarget::new("other-only=4.2.0", vec![main, format!("{url}/other")]);
    t.python = Some("3.11".into());
    assert!(o.preflight().check_conda(&t).status.is_ok());
}

#[test]
fn a_pip_requirement_with_no_distribution_is_pinned_to_an_installable_release() {
    let Some(o) = Online::new("pip pin") else {
        return;
    };
    let index = o.services.get("BM_PYPI_URL");
    let path = o.write(
        "requirements.txt",
        &format!("--index-url {index}\ndemo-pkg==9.0\n"),
    );
    let log = "\
Step 2/2 : RUN pip install -r requirements.txt
ERROR: Could not find a version that satisfies the requirement demo-pkg==9.0 (from versions: none)
ERROR: No matching distribution found for demo-pkg==9.0
The command '/bin/sh -c pip install -r requirements.txt' returned a non-zero code: 1
";
    let d = o.link_and_fix(log, &path);
    verified(&d, "pip-no-matching-distribution", 2);
    let after = std::fs::read_to_string(&path).unwrap();
    let pin = after.lines().nth(1).unwrap().to_string();
    assert!(
        pin.starts_with("demo-pkg==") && pin != "demo-pkg==9.0",
        "{after}"
    );
    let mut t = PipTarget::new(pin);
    t.index_url = Some(index);
    assert!(o.preflight().check_pip(&t).status.is_ok());
}

#[test]
fn a_missing_tag_is_replaced_by_the_closest_tag_the_registry_has() {
    let Some(o) = Online::new("image tag") else {
        return;
    };
    let reg = o.services.get("BM_REG_OPEN");
    let path = o.write(
        "Dockerfile",
        &format!("FROM {reg}/demo/app:1.2\nRUN echo hi\n"),
    );
    let log = format!(
        "Step 1/2 : FROM {reg}/demo/app:1.2
manifest for {reg}/demo/app:1.2 not found: manifest unknown: manifest unknown
"
    );
    let d = o.link_and_fix(&log, &path);
    verified(&d, "image-not-found", 1);
    let after = std::fs::read_to_string(&path).unwrap();
    let image = after
        .lines()
        .next()
        .unwrap()
        .trim_start_matches("FROM ")
        .to_string();
    assert_ne!(image, format!("{reg}/demo/app:1.2"));
    assert!(
        o.preflight()
            .check_image(&ImageTarget::new(image))
            .status
            .is_ok()
    );
}
