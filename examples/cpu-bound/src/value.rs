//! Values, symbols and environments.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::rc::Rc;

pub type Sym = u32;

#[derive(Default)]
pub struct Symbols {
    ids: HashMap<String, Sym>,
    names: Vec<String>,
}

impl Symbols {
    pub fn intern(&mut self, name: &str) -> Sym {
        if let Some(id) = self.ids.get(name) {
            return *id;
        }
        let id = self.names.len() as Sym;
        self.names.push(name.to_string());
        self.ids.insert(name.to_string(), id);
        id
    }
    pub fn name(&self, id: Sym) -> &str {
        &self.names[id as usize]
    }
}

#[derive(Clone)]
pub enum Value {
    Nil,
    Bool(bool),
    Int(i64),
    Sym(Sym),
    Str(Rc<str>),
    Pair(Rc<(Value, Value)>),
    Lambda(Rc<Lambda>),
    Builtin(Builtin),
}

pub struct Lambda {
    pub params: Vec<Sym>,
    pub body: Rc<[Value]>,
    pub env: Env,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Builtin {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Lt,
    Gt,
    Le,
    Ge,
    NumEq,
    Eq,
    Cons,
    Car,
    Cdr,
    List,
    IsNull,
    IsPair,
    Not,
    Length,
    Display,
    Newline,
    StrAppend,
    NumToStr,
    Abs,
    Max,
    Min,
    Reverse,
    Append,
}

pub const BUILTINS: &[(&str, Builtin)] = &[
    ("+", Builtin::Add),
    ("-", Builtin::Sub),
    ("*", Builtin::Mul),
    ("/", Builtin::Div),
    ("mod", Builtin::Mod),
    ("<", Builtin::Lt),
    (">", Builtin::Gt),
    ("<=", Builtin::Le),
    (">=", Builtin::Ge),
    ("=", Builtin::NumEq),
    ("eq?", Builtin::Eq),
    ("cons", Builtin::Cons),
    ("car", Builtin::Car),
    ("cdr", Builtin::Cdr),
    ("list", Builtin::List),
    ("null?", Builtin::IsNull),
    ("pair?", Builtin::IsPair),
    ("not", Builtin::Not),
    ("length", Builtin::Length),
    ("display", Builtin::Display),
    ("newline", Builtin::Newline),
    ("string-append", Builtin::StrAppend),
    ("number->string", Builtin::NumToStr),
    ("abs", Builtin::Abs),
    ("max", Builtin::Max),
    ("min", Builtin::Min),
    ("reverse", Builtin::Reverse),
    ("append", Builtin::Append),
];

pub struct Frame {
    pub vars: Vec<(Sym, Value)>,
    pub parent: Option<Env>,
}

pub type Env = Rc<RefCell<Frame>>;

pub fn new_env(parent: Option<Env>, vars: Vec<(Sym, Value)>) -> Env {
    Rc::new(RefCell::new(Frame { vars, parent }))
}

pub fn lookup(env: &Env, s: Sym) -> Option<Value> {
    let mut cur = env.clone();
    loop {
        let next = {
            let f = cur.borrow();
            if let Some((_, v)) = f.vars.iter().rev().find(|(k, _)| *k == s) {
                return Some(v.clone());
            }
            f.parent.clone()?
        };
        cur = next;
    }
}

pub fn assign(env: &Env, s: Sym, v: Value) -> bool {
    let mut cur = env.clone();
    loop {
        let next = {
            let mut f = cur.borrow_mut();
            if let Some(slot) = f.vars.iter_mut().rev().find(|(k, _)| *k == s) {
                slot.1 = v;
                return true;
            }
            match f.parent.clone() {
                Some(p) => p,
                None => return false,
            }
        };
        cur = next;
    }
}

impl Value {
    pub fn truthy(&self) -> bool {
        !matches!(self, Value::Bool(false) | Value::Nil)
    }
    pub fn list(items: Vec<Value>) -> Value {
        items
            .into_iter()
            .rev()
            .fold(Value::Nil, |acc, v| Value::Pair(Rc::new((v, acc))))
    }
    pub fn to_vec(&self) -> Result<Vec<Value>, String> {
        let mut out = vec![];
        let mut cur = self.clone();
        loop {
            match cur {
                Value::Nil => return Ok(out),
                Value::Pair(p) => {
                    out.push(p.0.clone());
                    cur = p.1.clone();
                }
                _ => return Err("not a proper list".into()),
            }
        }
    }
}

/// Walks a list in place (no copy): the elements, then stops at the tail.
pub struct ListIter<'a>(&'a Value);

impl<'a> Iterator for ListIter<'a> {
    type Item = &'a Value;
    fn next(&mut self) -> Option<&'a Value> {
        match self.0 {
            Value::Pair(p) => {
                self.0 = &p.1;
                Some(&p.0)
            }
            _ => None,
        }
    }
}

impl Value {
    pub fn iter(&self) -> ListIter<'_> {
        ListIter(self)
    }
    /// The list after its first element.
    pub fn tail(&self) -> &Value {
        match self {
            Value::Pair(p) => &p.1,
            other => other,
        }
    }
}

pub struct Show<'a>(pub &'a Value, pub &'a Symbols);

impl fmt::Display for Show<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Value::Nil => write!(f, "()"),
            Value::Bool(b) => write!(f, "{}", if *b { "#t" } else { "#f" }),
            Value::Int(i) => write!(f, "{i}"),
            Value::Sym(s) => write!(f, "{}", self.1.name(*s)),
            Value::Str(s) => write!(f, "{s}"),
            Value::Lambda(_) => write!(f, "#<lambda>"),
            Value::Builtin(b) => write!(f, "#<builtin {b:?}>"),
            Value::Pair(_) => {
                let items = self.0.to_vec().map_err(|_| fmt::Error)?;
                write!(f, "(")?;
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        write!(f, " ")?;
                    }
                    write!(f, "{}", Show(v, self.1))?;
                }
                write!(f, ")")
            }
        }
    }
}
