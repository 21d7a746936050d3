//! Running a job ([`Behaviour::RunJob`]): a new instance in the list below the job, `QUEUED`,
//! then `RUNNING`, then `COMPLETED_SUCCESS` after the configured time (and a `JOB_END` webhook
//! call).

use std::time::{Instant, SystemTime};

use alma_runtime::registry::{Behaviour, Role};
use serde_json::json;

use super::{notify, Ctx, Rule};
use crate::alma::{Alma, Req};
use crate::answer::Answer;
use crate::memory::State;
use crate::route::encode;
use crate::store;

pub const RULE: Rule = Rule {
    name: "run job",
    applies: |op| op.behaviours.contains(&Behaviour::RunJob),
    serve,
};

/// The list directly below the job (its instances).
fn instances_below(job_template: &str) -> Option<&'static str> {
    alma_sdk::registry::all()
        .into_iter()
        .filter(|o| o.role == Role::List)
        .find(|o| {
            o.path
                .strip_prefix(job_template)
                .and_then(|r| r.strip_prefix('/'))
                .is_some_and(|r| !r.contains('/') && !r.starts_with('{'))
        })
        .map(|o| o.path)
}

fn serve(cx: &mut Ctx<'_>) -> Option<Answer> {
    let list = instances_below(cx.op.path)?;
    let job_id = cx.params.last().map(|(_, v)| v.clone()).unwrap_or_default();
    let instance_id = crate::alma::new_id(
        &mut cx.state.store,
        "instance_id",
        &cx.alma.config.institution,
    );
    let job_path = cx.path.to_owned();
    let path = format!(
        "{}{}/{}",
        job_path,
        &list[cx.op.path.len()..],
        encode(&instance_id)
    );
    let req: &Req = cx.req;
    let link = format!("{}{path}", req.base);
    let now = SystemTime::now();
    let instance = json!({
        "id": instance_id,
        "name": format!("Job {job_id} - {}", notify::iso(now)),
        "submitted_by": {"value": "exl_api", "desc": "API, Ex Libris"},
        "submit_time": notify::iso(now),
        "progress": 0,
        "status": {"value": "QUEUED", "desc": "Queued"},
        "job_info": {"id": job_id, "name": format!("Job {job_id}"), "link": format!("{}{job_path}", req.base)},
        "link": link,
    });
    cx.state.store.put(&path, instance);
    cx.state.rules.jobs.push((path, Instant::now(), false));
    let job = json!({
        "id": job_id,
        "name": format!("Job {job_id}"),
        "additional_info": {"value": format!("Job no. {instance_id} triggered on {}", notify::iso(now)), "link": link},
    });
    Some(cx.alma.record_answer(req, cx.op, &job, 200))
}

/// Brings the running instances up to date before anything is read.
pub fn before_read(alma: &Alma, state: &mut State, _path: &str) {
    if jobs_running(state) {
        advance_jobs(alma, state);
    }
}

/// Moves every running instance along; one past its time completes (and `JOB_END` is sent).
pub fn advance_jobs(alma: &Alma, state: &mut State) {
    let duration = alma.config.job_duration;
    let mut ended = Vec::new();
    for (path, started, done) in state.rules.jobs.iter_mut().filter(|j| !j.2) {
        let elapsed = started.elapsed();
        let Some(instance) = state.store.get_mut(path) else {
            *done = true;
            continue;
        };
        if elapsed >= duration {
            *done = true;
            store::set_at(
                instance,
                "status",
                json!({"value": "COMPLETED_SUCCESS", "desc": "Completed Successfully"}),
            );
            store::set_at(instance, "progress", json!(100));
            store::set_at(instance, "end_time", json!(notify::iso(SystemTime::now())));
            ended.push(instance.clone());
        } else {
            let pct = (elapsed.as_secs_f64() / duration.as_secs_f64().max(1e-9) * 100.0) as u64;
            store::set_at(
                instance,
                "status",
                json!({"value": "RUNNING", "desc": "Running"}),
            );
            store::set_at(instance, "progress", json!(pct.min(99)));
        }
    }
    for instance in ended {
        notify::send(alma, "JOB_END", "", "job_instance", &instance);
    }
}

/// Whether any job instance is still running.
pub fn jobs_running(state: &State) -> bool {
    state.rules.jobs.iter().any(|j| !j.2)
}
