//! The scripts every target runs, the same source for guest and native.

/// `request` in, a small JSON map out.
pub const HELLO: &str = r#"#{ message: "Hello, world!", path: request.path }"#;

/// Parse a JSON body, validate it, answer with a few headers.
pub const REALISTIC: &str = r#"
let user = request.json;
if user == () || type_of(user) != "map" {
    return #{ status: 400, body: #{ error: "send a JSON object" } };
}
let errors = [];
if user.name == () || user.name.len() < 2 { errors.push("name must have 2+ characters"); }
if user.age == () || user.age < 0 || user.age > 150 { errors.push("age must be 0..150"); }
if user.email == () || !user.email.contains("@") { errors.push("email must contain @"); }
if errors.len() > 0 {
    return #{ status: 422, body: #{ errors: errors } };
}
#{
    status: 201,
    headers: #{ "location": `/users/${user.name}`, "x-validated": "yes", "cache-control": "no-store" },
    body: #{ name: user.name, age: user.age, email: user.email.to_lower(), adult: user.age >= 18 },
}
"#;

/// The body the realistic script gets.
pub const REALISTIC_BODY: &str = r#"{"name":"Ada Lovelace","age":36,"email":"Ada@Example.com"}"#;

/// CPU-bound: naive Fibonacci.
pub const FIB: &str = r#"
fn fib(n) { if n < 2 { n } else { fib(n - 1) + fib(n - 2) } }
fib(20)
"#;

/// A slow-ish script for holding many invocations in flight at once.
pub const FIB_SMALL: &str = r#"
fn fib(n) { if n < 2 { n } else { fib(n - 1) + fib(n - 2) } }
fib(16)
"#;
