//! What the knowledge base recognises, per emitting tool and kind: the model behind
//! `buildmedic rules coverage` and `docs/coverage.md`.

use serde::Serialize;

use crate::KnowledgeBase;

#[derive(Debug, Clone, Serialize)]
pub struct Coverage {
    /// Every listed emitter (built-in list first, in its order; then emitters only user rules
    /// name), with what its signatures cover; emitters without signatures are listed too.
    pub emitters: Vec<EmitterCoverage>,
    /// Signatures that name no emitter.
    pub unassigned: Vec<CoveredKind>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EmitterCoverage {
    pub id: String,
    pub description: String,
    pub kinds: Vec<CoveredKind>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CoveredKind {
    pub kind: String,
    pub signatures: Vec<CoveredMessage>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CoveredMessage {
    /// `kind/id`.
    pub signature: String,
    pub sources: Vec<String>,
    /// The first example line, if any.
    pub example: Option<String>,
}

impl Coverage {
    pub fn signatures(&self) -> usize {
        self.emitters
            .iter()
            .flat_map(|e| &e.kinds)
            .chain(&self.unassigned)
            .map(|k| k.signatures.len())
            .sum()
    }
}

fn push(kinds: &mut Vec<CoveredKind>, kind: &str, msg: CoveredMessage) {
    match kinds.iter_mut().find(|k| k.kind == kind) {
        Some(k) => k.signatures.push(msg),
        None => kinds.push(CoveredKind {
            kind: kind.to_string(),
            signatures: vec![msg],
        }),
    }
}

impl KnowledgeBase {
    /// The coverage of the entries in effect.
    pub fn coverage(&self) -> Coverage {
        let mut emitters: Vec<EmitterCoverage> = crate::BUILTIN_EMITTERS
            .iter()
            .map(|(id, what)| EmitterCoverage {
                id: (*id).to_string(),
                description: (*what).to_string(),
                kinds: Vec::new(),
            })
            .collect();
        let mut unassigned = Vec::new();
        for entry in self.entries() {
            for sig in &entry.signatures {
                let msg = CoveredMessage {
                    signature: format!("{}/{}", entry.kind, sig.id),
                    sources: sig.sources.clone(),
                    example: sig.examples.first().cloned(),
                };
                let Some(em) = &sig.emitter else {
                    push(&mut unassigned, &entry.kind, msg);
                    continue;
                };
                let idx = match emitters.iter().position(|e| &e.id == em) {
                    Some(i) => i,
                    None => {
                        emitters.push(EmitterCoverage {
                            id: em.clone(),
                            description: String::new(),
                            kinds: Vec::new(),
                        });
                        emitters.len() - 1
                    }
                };
                push(&mut emitters[idx].kinds, &entry.kind, msg);
            }
        }
        Coverage {
            emitters,
            unassigned,
        }
    }
}
