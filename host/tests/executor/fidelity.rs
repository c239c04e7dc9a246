//! Ordinary Rhai programs give the same output in the guest as in native
//! Rhai (the same version and features).

use std::cell::RefCell;
use std::rc::Rc;

use picloud_shared::LogLevel;

use crate::common::{fixture, run};

const PROGRAMS: &[&str] = &[
    "loops",
    "closures",
    "maps",
    "strings",
    "functions",
    "switch",
    "arrays",
    "errors",
    "numbers",
];

/// Prints and the result, as native Rhai produces them.
fn native(source: &str) -> (Vec<String>, String) {
    let printed = Rc::new(RefCell::new(Vec::new()));
    let mut engine = rhai::Engine::new();
    // The guest's production limits (debug builds of Rhai default lower).
    let limits = picloud_shared::Limits::default();
    engine
        .set_max_call_levels(limits.max_call_levels as usize)
        .set_max_expr_depths(
            limits.max_expr_depth as usize,
            limits.max_function_expr_depth as usize,
        );
    let sink = printed.clone();
    engine.on_print(move |s| sink.borrow_mut().push(s.to_string()));
    let value: rhai::Dynamic = engine.eval(source).expect("native Rhai runs the program");
    let printed = printed.borrow().clone();
    (printed, value.to_string())
}

#[tokio::test]
async fn programs_match_native_rhai() {
    for name in PROGRAMS {
        let source = fixture(&format!("fidelity/{name}.rhai"));
        let (native_prints, native_value) = native(&source);
        let result = run(&source).await;
        let response = result
            .outcome
            .unwrap_or_else(|e| panic!("{name} failed in the guest: {e}"));
        let guest_value = String::from_utf8(response.body).unwrap();
        let guest_prints: Vec<String> = result
            .logs
            .iter()
            .filter(|l| l.level == LogLevel::Info)
            .map(|l| l.message.clone())
            .collect();
        assert_eq!(guest_value, native_value, "{name}: result");
        assert_eq!(guest_prints, native_prints, "{name}: printed lines");
        assert!(
            !native_value.is_empty(),
            "{name} returns something to compare"
        );
    }
}
