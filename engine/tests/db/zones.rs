//! Schedules in the engine's time zone (`BPM_TIME_ZONE`) on SQLite and PostgreSQL: a timer
//! date without an offset, a user task's due date and a cron timer start event are read on
//! the zone's wall clock. The test clock stands at 2023-11-14T22:13:20Z (06:13:20 on November
//! 15 in Shanghai).

use crate::common::{deploy, flow, sys};
use engine::db_test;
use engine::instances::{StartRequest, TaskQuery};
use engine::jobs::{CallError, CallFuture, Executor, ExecutorConfig, JobQuery, ServiceCaller, ServiceRequest};
use engine::testing::TestDb;
use engine::Engine;

/// 2026-12-08T09:00:00 in Shanghai (UTC+8): 01:00Z.
const DEC_8_NINE_SHANGHAI: i64 = 1_796_691_600_000;

/// A service caller for an executor that only fires timers.
struct NoCalls;

impl ServiceCaller for NoCalls {
    fn call(&self, req: ServiceRequest) -> CallFuture<'_> {
        Box::pin(async move {
            Err(CallError::Failed { url: req.url, reason: engine::error::Text::verbatim("no calls in this test") })
        })
    }
}

fn in_shanghai(db: &TestDb) -> Engine {
    db.engine.clone().with_time_zone(engine::zone::named("Asia/Shanghai").unwrap())
}

async fn dates_without_an_offset(db: &TestDb) {
    let e = &in_shanghai(db);
    let body = [
        r#"<startEvent id="start"/>"#.to_string(),
        r#"<userTask id="sign" name="Sign" camunda:dueDate="2026-12-08T09:00:00"/>"#.into(),
        r#"<intermediateCatchEvent id="wait" name="Wait"><timerEventDefinition><timeDate>2026-12-08T09:00:00</timeDate></timerEventDefinition></intermediateCatchEvent>"#.into(),
        r#"<endEvent id="end"/>"#.into(),
        flow("f1", "start", "sign"),
        flow("f2", "sign", "wait"),
        flow("f3", "wait", "end"),
    ]
    .concat();
    deploy(e, "dated", &body).await;
    let id = e.start_instance(&sys(), "dated", None, StartRequest::default()).await.unwrap().id;
    let q = TaskQuery { instance_id: Some(id.clone()), limit: 10, ..Default::default() };
    let task = e.list_tasks(&sys(), &q).await.unwrap().items.remove(0);
    assert_eq!(task.due, Some(DEC_8_NINE_SHANGHAI), "the due date is 09:00 in Shanghai");
    e.complete_task(&sys(), &task.id, Default::default()).await.unwrap();
    let q = JobQuery { instance_id: Some(id.clone()), limit: 10, ..Default::default() };
    let jobs = e.list_jobs(&sys(), &q).await.unwrap().items;
    assert_eq!(jobs.len(), 1, "{jobs:?}");
    assert_eq!(jobs[0].due, DEC_8_NINE_SHANGHAI, "the timer is due at 09:00 in Shanghai, 01:00Z");
    // The same model on an engine in UTC: 09:00Z.
    let utc = &db.engine;
    let id = utc.start_instance(&sys(), "dated", None, StartRequest::default()).await.unwrap().id;
    let q = TaskQuery { instance_id: Some(id), limit: 10, ..Default::default() };
    assert_eq!(utc.list_tasks(&sys(), &q).await.unwrap().items[0].due, Some(DEC_8_NINE_SHANGHAI + 8 * 3_600_000));
}
db_test!(a_timer_date_and_a_due_date_without_an_offset_are_in_the_engines_zone, dates_without_an_offset);

async fn cron_start_event(db: &TestDb) {
    let e = &in_shanghai(db);
    let body = [
        r#"<startEvent id="tick" name="Morning"><timerEventDefinition><timeCycle>0 0 9 * * ?</timeCycle></timerEventDefinition></startEvent>"#.to_string(),
        r#"<userTask id="report" name="Report"/><endEvent id="end"/>"#.into(),
        flow("f1", "tick", "report"),
        flow("f2", "report", "end"),
    ]
    .concat();
    deploy(e, "morning", &body).await;
    // 06:13 in Shanghai: the next 09:00 there is 2023-11-15T01:00Z.
    let first = 1_700_010_000_000;
    let listed = e.list_start_timers(&sys(), None).await.unwrap();
    assert_eq!(listed[0].due, first);
    let config = ExecutorConfig { id: "x".into(), ..Default::default() };
    let x = Executor::new(e.clone(), std::sync::Arc::new(NoCalls), config);
    e.clock().advance(first - e.clock().now());
    assert_eq!(x.run_once().await, 1, "fires at 09:00 Shanghai");
    let listed = e.list_start_timers(&sys(), None).await.unwrap();
    assert_eq!((listed[0].fired, listed[0].due), (1, first + 24 * 3_600_000), "then at 09:00 the next day");
}
db_test!(a_cron_timer_start_event_fires_at_the_wall_clock_time_of_the_engines_zone, cron_start_event);
