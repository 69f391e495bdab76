use serde_json::{json, Value};
use std::time::{SystemTime, UNIX_EPOCH};

/// One JSON line on stdout, in the shape of the Flotilla services' logs (`level`, `time`, `msg`).
pub fn log(level: &str, msg: &str, fields: Value) {
    let time = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    let mut line = json!({ "level": level, "time": time as u64, "msg": msg });
    if let (Some(line), Value::Object(fields)) = (line.as_object_mut(), fields) {
        line.extend(fields);
    }
    println!("{line}");
}
