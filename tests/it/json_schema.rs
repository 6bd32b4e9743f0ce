//! A JSON Schema validator for the subset of draft 2020-12 that the
//! published schemas (`schema/`) use, so that the tests need no general
//! validator (one took about 40 CPU seconds of a fresh `cargo test` build
//! with its dependencies: docs/performance.md).
//!
//! Strict where a general validator is lenient: a keyword this module does
//! not know, a `$ref` that does not resolve or a `pattern` it cannot match
//! fails [`Validator::new`], so a schema that starts to use more of the
//! draft fails the tests until this module learns it, instead of passing
//! unchecked. `format` is an annotation, as draft 2020-12 says by default
//! (and as the general validator treated it); `description`, `title`,
//! `default`, `$comment`, `$schema` and `$defs` say nothing about an
//! instance.

use serde_json::{Map, Value};

/// Keywords that constrain an instance.
const ASSERTIONS: [&str; 13] = [
    "type",
    "const",
    "enum",
    "$ref",
    "items",
    "properties",
    "required",
    "additionalProperties",
    "oneOf",
    "anyOf",
    "minimum",
    "maximum",
    "pattern",
];

/// Keywords that only annotate.
const ANNOTATIONS: [&str; 7] = [
    "description",
    "title",
    "default",
    "$comment",
    "$schema",
    "$defs",
    "format",
];

/// A pattern's meaning, in code.
type Matcher = fn(&str) -> bool;

/// The patterns the schemas use, each with its meaning in code.
const PATTERNS: [(&str, Matcher); 1] = [("^(TLS_[A-Za-z0-9_]+|0x[0-9A-F]{4})$", suite_name)];

/// `TLS_` and a name, or `0x` and four upper-case hex digits.
fn suite_name(s: &str) -> bool {
    if let Some(rest) = s.strip_prefix("TLS_") {
        return !rest.is_empty() && rest.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    }
    s.strip_prefix("0x").is_some_and(|hex| {
        hex.len() == 4
            && hex
                .chars()
                .all(|c| c.is_ascii_digit() || ('A'..='F').contains(&c))
    })
}

/// A checked schema.
pub(crate) struct Validator<'a> {
    root: &'a Value,
}

impl<'a> Validator<'a> {
    /// Checks that every keyword of `root` (and of every schema within it)
    /// is one this module knows, with a value of the right shape, and that
    /// every `$ref` resolves.
    pub(crate) fn new(root: &'a Value) -> Result<Validator<'a>, String> {
        let v = Validator { root };
        v.check_schema(root, "#")?;
        if let Some(defs) = root.get("$defs") {
            let defs = defs.as_object().ok_or("#/$defs: not an object")?;
            for (name, def) in defs {
                v.check_schema(def, &format!("#/$defs/{name}"))?;
            }
        }
        Ok(v)
    }

    /// Whether `instance` matches.
    pub(crate) fn is_valid(&self, instance: &Value) -> bool {
        self.errors(instance).is_empty()
    }

    /// Every reason `instance` does not match, each with where.
    pub(crate) fn errors(&self, instance: &Value) -> Vec<String> {
        let mut out = Vec::new();
        self.validate(self.root, instance, "", &mut out);
        out
    }

    fn resolve(&self, reference: &str) -> Option<&'a Value> {
        let pointer = reference.strip_prefix('#')?;
        self.root.pointer(pointer)
    }

    fn check_schema(&self, schema: &Value, at: &str) -> Result<(), String> {
        let object = match schema {
            Value::Bool(_) => return Ok(()),
            Value::Object(o) => o,
            _ => return Err(format!("{at}: a schema must be an object or a boolean")),
        };
        for (key, value) in object {
            let at = format!("{at}/{key}");
            match key.as_str() {
                "type" => {
                    let names: Vec<&Value> = match value {
                        Value::Array(a) => a.iter().collect(),
                        one => vec![one],
                    };
                    for name in names {
                        let known = name.as_str().is_some_and(|n| {
                            [
                                "null", "boolean", "integer", "number", "string", "array", "object",
                            ]
                            .contains(&n)
                        });
                        if !known {
                            return Err(format!("{at}: unknown type {name}"));
                        }
                    }
                }
                "$ref" => {
                    let target = value.as_str().and_then(|r| self.resolve(r));
                    if target.is_none() {
                        return Err(format!("{at}: {value} does not resolve"));
                    }
                }
                "items" | "additionalProperties" => self.check_schema(value, &at)?,
                "properties" => {
                    let props = value.as_object().ok_or(format!("{at}: not an object"))?;
                    for (name, sub) in props {
                        self.check_schema(sub, &format!("{at}/{name}"))?;
                    }
                }
                "oneOf" | "anyOf" => {
                    let list = value.as_array().ok_or(format!("{at}: not an array"))?;
                    for (i, sub) in list.iter().enumerate() {
                        self.check_schema(sub, &format!("{at}/{i}"))?;
                    }
                }
                "required" => {
                    let ok = value
                        .as_array()
                        .is_some_and(|a| a.iter().all(Value::is_string));
                    if !ok {
                        return Err(format!("{at}: not an array of names"));
                    }
                }
                "enum" if !value.is_array() => return Err(format!("{at}: not an array")),
                "minimum" | "maximum" if !value.is_number() => {
                    return Err(format!("{at}: not a number"));
                }
                "pattern" => {
                    let known = value
                        .as_str()
                        .is_some_and(|p| PATTERNS.iter().any(|(q, _)| *q == p));
                    if !known {
                        return Err(format!(
                            "{at}: {value} is a pattern tests/it/json_schema.rs cannot match yet"
                        ));
                    }
                }
                k if ASSERTIONS.contains(&k) || ANNOTATIONS.contains(&k) => {}
                other => {
                    return Err(format!(
                        "{at}: the keyword {other:?} is not known to tests/it/json_schema.rs"
                    ));
                }
            }
        }
        Ok(())
    }

    fn validate(&self, schema: &Value, instance: &Value, path: &str, out: &mut Vec<String>) {
        let object = match schema {
            Value::Bool(true) => return,
            Value::Bool(false) => return out.push(format!("{path}: no value is allowed here")),
            Value::Object(o) => o,
            _ => return,
        };
        if let Some(t) = object.get("type") {
            let names: Vec<&str> = match t {
                Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
                one => one.as_str().into_iter().collect(),
            };
            if !names.iter().any(|n| has_type(instance, n)) {
                out.push(format!("{path}: {instance} is not of type {t}"));
                return;
            }
        }
        if let Some(c) = object.get("const") {
            if !same(c, instance) {
                out.push(format!("{path}: {instance} is not {c}"));
            }
        }
        if let Some(Value::Array(options)) = object.get("enum") {
            if !options.iter().any(|o| same(o, instance)) {
                out.push(format!("{path}: {instance} is not one of {options:?}"));
            }
        }
        if let Some(target) = object
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| self.resolve(r))
        {
            self.validate(target, instance, path, out);
        }
        if let Some(n) = instance.as_f64() {
            if let Some(min) = object.get("minimum").and_then(Value::as_f64) {
                if n < min {
                    out.push(format!("{path}: {n} is less than {min}"));
                }
            }
            if let Some(max) = object.get("maximum").and_then(Value::as_f64) {
                if n > max {
                    out.push(format!("{path}: {n} is more than {max}"));
                }
            }
        }
        if let (Some(p), Some(s)) = (
            object.get("pattern").and_then(Value::as_str),
            instance.as_str(),
        ) {
            let matches = PATTERNS.iter().find(|(q, _)| *q == p).map(|(_, f)| f(s));
            if matches != Some(true) {
                out.push(format!("{path}: {s:?} does not match {p}"));
            }
        }
        if let (Some(items), Some(array)) = (object.get("items"), instance.as_array()) {
            for (i, item) in array.iter().enumerate() {
                self.validate(items, item, &format!("{path}/{i}"), out);
            }
        }
        if let Some(map) = instance.as_object() {
            self.validate_object(object, map, path, out);
        }
        self.validate_alternatives(object, instance, path, out);
    }

    fn validate_object(
        &self,
        schema: &Map<String, Value>,
        map: &Map<String, Value>,
        path: &str,
        out: &mut Vec<String>,
    ) {
        let properties = schema.get("properties").and_then(Value::as_object);
        if let Some(Value::Array(required)) = schema.get("required") {
            for name in required.iter().filter_map(Value::as_str) {
                if !map.contains_key(name) {
                    out.push(format!("{path}: {name:?} is a required property"));
                }
            }
        }
        for (name, value) in map {
            let at = format!("{path}/{name}");
            match properties.and_then(|p| p.get(name)) {
                Some(sub) => self.validate(sub, value, &at, out),
                None => {
                    if let Some(extra) = schema.get("additionalProperties") {
                        if extra == &Value::Bool(false) {
                            out.push(format!("{path}: {name:?} is not an allowed property"));
                        } else {
                            self.validate(extra, value, &at, out);
                        }
                    }
                }
            }
        }
    }

    fn validate_alternatives(
        &self,
        schema: &Map<String, Value>,
        instance: &Value,
        path: &str,
        out: &mut Vec<String>,
    ) {
        let matching = |list: &Vec<Value>| {
            list.iter()
                .filter(|s| {
                    let mut errors = Vec::new();
                    self.validate(s, instance, path, &mut errors);
                    errors.is_empty()
                })
                .count()
        };
        if let Some(Value::Array(list)) = schema.get("oneOf") {
            let n = matching(list);
            if n != 1 {
                out.push(format!(
                    "{path}: {instance} matches {n} of the oneOf alternatives, not exactly one"
                ));
            }
        }
        if let Some(Value::Array(list)) = schema.get("anyOf") {
            if matching(list) == 0 {
                out.push(format!(
                    "{path}: {instance} matches none of the anyOf alternatives"
                ));
            }
        }
    }
}

/// Whether `v` is of the JSON Schema type `name` (an integer is a number;
/// a number with no fraction is an integer).
fn has_type(v: &Value, name: &str) -> bool {
    match name {
        "null" => v.is_null(),
        "boolean" => v.is_boolean(),
        "string" => v.is_string(),
        "array" => v.is_array(),
        "object" => v.is_object(),
        "number" => v.is_number(),
        "integer" => v.is_i64() || v.is_u64() || v.as_f64().is_some_and(|f| f.fract() == 0.0),
        _ => false,
    }
}

/// JSON equality, numbers compared by value (1 equals 1.0).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

#[test]
fn each_keyword_refuses_what_it_should() {
    use serde_json::json;
    let schema = json!({
        "$defs": {"V": {"type": "string", "enum": ["tls1.2", "tls1.3"]}},
        "type": "object",
        "required": ["v", "n"],
        "additionalProperties": false,
        "properties": {
            "v": {"$ref": "#/$defs/V"},
            "n": {"type": "integer", "minimum": 0, "maximum": 9},
            "s": {"type": "string", "pattern": "^(TLS_[A-Za-z0-9_]+|0x[0-9A-F]{4})$"},
            "k": {"const": "fixed"},
            "l": {"type": "array", "items": {"type": ["string", "null"]}},
            "one": {"oneOf": [{"type": "integer"}, {"type": "number", "minimum": 5}]},
            "any": {"anyOf": [{"type": "string"}, {"type": "boolean"}]}
        }
    });
    let v = Validator::new(&schema).unwrap();
    let good = json!({"v": "tls1.2", "n": 3, "s": "0x00FF", "k": "fixed",
        "l": ["a", null], "one": 5.5, "any": true});
    assert_eq!(v.errors(&good), Vec::<String>::new());
    assert!(v.is_valid(&json!({"v": "tls1.3", "n": 0, "s": "TLS_AES_128_GCM_SHA256"})));
    for bad in [
        json!({"v": "tls1.4", "n": 3}),
        json!({"v": "tls1.2"}),
        json!({"v": "tls1.2", "n": 10}),
        json!({"v": "tls1.2", "n": -1}),
        json!({"v": "tls1.2", "n": 1.5}),
        json!({"v": "tls1.2", "n": 1, "extra": 1}),
        json!({"v": "tls1.2", "n": 1, "s": "ECDHE-RSA-AES256-GCM-SHA384"}),
        json!({"v": "tls1.2", "n": 1, "s": "0x00ff"}),
        json!({"v": "tls1.2", "n": 1, "k": "other"}),
        json!({"v": "tls1.2", "n": 1, "l": [1]}),
        json!({"v": "tls1.2", "n": 1, "one": 7}),
        json!({"v": "tls1.2", "n": 1, "any": 1}),
        json!([]),
    ] {
        assert!(!v.is_valid(&bad), "{bad}");
    }
    for unknown in [
        json!({"allOf": []}),
        json!({"$ref": "#/$defs/Missing"}),
        json!({"pattern": "^a+$"}),
        json!({"type": "text"}),
    ] {
        assert!(Validator::new(&unknown).is_err(), "{unknown}");
    }
}
