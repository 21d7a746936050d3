//! Alma's refusals that no one operation owns (a general error, a mandatory parameter missing,
//! a parameter's value invalid): for each kind, the code and message the operations document
//! most often, ties to the smaller code. The local Alma answers an operation's own documented
//! code for the kind where it has one, else this.

use std::collections::BTreeMap;

use crate::ir::{Api, ErrorCode, Refusal};

pub(super) fn assign(api: &mut Api) {
    let mut out = Vec::new();
    for kind in Refusal::ALL {
        let mut seen: BTreeMap<(&str, &str), (usize, &ErrorCode)> = BTreeMap::new();
        for e in api
            .areas
            .iter()
            .flat_map(|a| &a.operations)
            .flat_map(|o| &o.errors)
        {
            let m = e.message.to_ascii_lowercase();
            if kind.words().iter().all(|w| m.contains(w)) {
                seen.entry((&e.code, &e.message)).or_insert((0, e)).0 += 1;
            }
        }
        let best = seen
            .into_iter()
            .max_by(|(ka, (na, _)), (kb, (nb, _))| na.cmp(nb).then(kb.cmp(ka)))
            .map(|(_, (_, e))| e.clone());
        if let Some(e) = best {
            out.push((kind, e));
        }
    }
    api.refusals = out;
}
