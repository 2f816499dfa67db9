//! The evaluator: special forms, closures, builtins.

use std::fmt::Write as _;
use std::rc::Rc;

use crate::value::{
    assign, lookup, new_env, Builtin, Env, Lambda, Show, Sym, Symbols, Value, BUILTINS,
};

pub struct Interp {
    pub syms: Symbols,
    pub out: String,
    forms: Forms,
}

struct Forms {
    quote: Sym,
    r#if: Sym,
    define: Sym,
    set: Sym,
    lambda: Sym,
    r#let: Sym,
    begin: Sym,
    r#while: Sym,
    cond: Sym,
    r#else: Sym,
    and: Sym,
    or: Sym,
}

type R = Result<Value, String>;

fn int(v: &Value) -> Result<i64, String> {
    match v {
        Value::Int(i) => Ok(*i),
        _ => Err("expected an integer".into()),
    }
}

impl Interp {
    pub fn new() -> (Interp, Env) {
        let mut syms = Symbols::default();
        let vars = BUILTINS
            .iter()
            .map(|(n, b)| (syms.intern(n), Value::Builtin(*b)))
            .collect();
        let mut i = |n| syms.intern(n);
        let forms = Forms {
            quote: i("quote"),
            r#if: i("if"),
            define: i("define"),
            set: i("set!"),
            lambda: i("lambda"),
            r#let: i("let"),
            begin: i("begin"),
            r#while: i("while"),
            cond: i("cond"),
            r#else: i("else"),
            and: i("and"),
            or: i("or"),
        };
        (
            Interp {
                syms,
                out: String::new(),
                forms,
            },
            new_env(None, vars),
        )
    }

    fn body(&mut self, forms: &[Value], env: &Env) -> R {
        let mut last = Value::Nil;
        for f in forms {
            last = self.eval(f, env)?;
        }
        Ok(last)
    }

    /// Evaluates the forms of a list in order, without copying it.
    fn body_list(&mut self, forms: &Value, env: &Env) -> R {
        let mut last = Value::Nil;
        for f in forms.iter() {
            last = self.eval(f, env)?;
        }
        Ok(last)
    }

    pub fn eval(&mut self, x: &Value, env: &Env) -> R {
        match x {
            Value::Sym(s) => {
                lookup(env, *s).ok_or_else(|| format!("unbound symbol {}", self.syms.name(*s)))
            }
            Value::Pair(p) => {
                if let Value::Sym(head) = p.0 {
                    if let Some(v) = self.special(head, &p.1, env)? {
                        return Ok(v);
                    }
                }
                let f = self.eval(&p.0, env)?;
                let mut args = Vec::with_capacity(4);
                for a in p.1.iter() {
                    args.push(self.eval(a, env)?);
                }
                self.apply(&f, args)
            }
            other => Ok(other.clone()),
        }
    }

    fn special(&mut self, head: Sym, rest: &Value, env: &Env) -> Result<Option<Value>, String> {
        let f = &self.forms;
        let nth = |i: usize| rest.iter().nth(i);
        let v = if head == f.quote {
            nth(0).cloned().unwrap_or(Value::Nil)
        } else if head == f.r#if {
            let cond = self.eval(nth(0).ok_or("if: no condition")?, env)?;
            match (cond.truthy(), nth(1), nth(2)) {
                (true, Some(t), _) => self.eval(t, env)?,
                (false, _, Some(e)) => self.eval(e, env)?,
                _ => Value::Nil,
            }
        } else if head == f.define {
            match nth(0) {
                Some(Value::Sym(name)) => {
                    let v = self.eval(nth(1).ok_or("define: no value")?, env)?;
                    env.borrow_mut().vars.push((*name, v));
                }
                Some(sig @ Value::Pair(_)) => {
                    let Some(Value::Sym(name)) = sig.iter().next() else {
                        return Err("define: bad name".into());
                    };
                    let params: Vec<Value> = sig.tail().iter().cloned().collect();
                    let body: Vec<Value> = rest.tail().iter().cloned().collect();
                    let lam = self.lambda(&params, &body, env)?;
                    env.borrow_mut().vars.push((*name, lam));
                }
                _ => return Err("define: bad form".into()),
            }
            Value::Nil
        } else if head == f.set {
            let Some(Value::Sym(name)) = nth(0) else {
                return Err("set!: bad name".into());
            };
            let v = self.eval(nth(1).ok_or("set!: no value")?, env)?;
            if !assign(env, *name, v) {
                return Err(format!("set!: unbound {}", self.syms.name(*name)));
            }
            Value::Nil
        } else if head == f.lambda {
            let params = nth(0).ok_or("lambda: no params")?.to_vec()?;
            let body: Vec<Value> = rest.tail().iter().cloned().collect();
            self.lambda(&params, &body, env)?
        } else if head == f.r#let {
            let mut vars = vec![];
            for b in nth(0).ok_or("let: no bindings")?.iter() {
                let mut parts = b.iter();
                let Some(Value::Sym(name)) = parts.next() else {
                    return Err("let: bad binding".into());
                };
                vars.push((*name, self.eval(parts.next().ok_or("let: no value")?, env)?));
            }
            let inner = new_env(Some(env.clone()), vars);
            self.body_list(rest.tail(), &inner)?
        } else if head == f.begin {
            self.body_list(rest, env)?
        } else if head == f.r#while {
            let cond = nth(0).ok_or("while: no condition")?;
            while self.eval(cond, env)?.truthy() {
                self.body_list(rest.tail(), env)?;
            }
            Value::Nil
        } else if head == f.cond {
            let els = f.r#else;
            for clause in rest.iter() {
                let test = clause.iter().next().ok_or("cond: empty clause")?;
                let hit =
                    matches!(test, Value::Sym(s) if *s == els) || self.eval(test, env)?.truthy();
                if hit {
                    return self.body_list(clause.tail(), env).map(Some);
                }
            }
            Value::Nil
        } else if head == f.and {
            let mut last = Value::Bool(true);
            for x in rest.iter() {
                last = self.eval(x, env)?;
                if !last.truthy() {
                    break;
                }
            }
            last
        } else if head == f.or {
            let mut last = Value::Bool(false);
            for x in rest.iter() {
                last = self.eval(x, env)?;
                if last.truthy() {
                    break;
                }
            }
            last
        } else {
            return Ok(None);
        };
        Ok(Some(v))
    }

    fn lambda(&self, params: &[Value], body: &[Value], env: &Env) -> R {
        let params = params
            .iter()
            .map(|p| match p {
                Value::Sym(s) => Ok(*s),
                _ => Err("lambda: parameter is not a symbol".to_string()),
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Value::Lambda(Rc::new(Lambda {
            params,
            body: body.into(),
            env: env.clone(),
        })))
    }

    pub fn apply(&mut self, f: &Value, args: Vec<Value>) -> R {
        match f {
            Value::Lambda(l) => {
                if l.params.len() != args.len() {
                    return Err(format!(
                        "arity: expected {}, got {}",
                        l.params.len(),
                        args.len()
                    ));
                }
                let vars = l.params.iter().copied().zip(args).collect();
                let env = new_env(Some(l.env.clone()), vars);
                self.body(&l.body, &env)
            }
            Value::Builtin(b) => self.builtin(*b, args),
            _ => Err("not a procedure".into()),
        }
    }

    fn builtin(&mut self, b: Builtin, a: Vec<Value>) -> R {
        use Builtin::*;
        let arg = |i: usize| {
            a.get(i)
                .cloned()
                .ok_or_else(|| format!("{b:?}: missing argument"))
        };
        let fold = |init: i64, op: fn(i64, i64) -> Option<i64>| -> R {
            let mut acc = init;
            for v in &a {
                acc = op(acc, int(v)?).ok_or("arithmetic overflow")?;
            }
            Ok(Value::Int(acc))
        };
        let cmp =
            |op: fn(i64, i64) -> bool| -> R { Ok(Value::Bool(op(int(&arg(0)?)?, int(&arg(1)?)?))) };
        match b {
            Add => fold(0, i64::checked_add),
            Mul => fold(1, i64::checked_mul),
            Sub if a.len() == 1 => Ok(Value::Int(-int(&a[0])?)),
            Sub => {
                let first = int(&arg(0)?)?;
                let rest: i64 = a[1..].iter().map(int).sum::<Result<i64, _>>()?;
                Ok(Value::Int(first - rest))
            }
            Div | Mod => {
                let (x, y) = (int(&arg(0)?)?, int(&arg(1)?)?);
                if y == 0 {
                    return Err("division by zero".into());
                }
                Ok(Value::Int(if b == Div {
                    x.div_euclid(y)
                } else {
                    x.rem_euclid(y)
                }))
            }
            Lt => cmp(|x, y| x < y),
            Gt => cmp(|x, y| x > y),
            Le => cmp(|x, y| x <= y),
            Ge => cmp(|x, y| x >= y),
            NumEq => cmp(|x, y| x == y),
            Eq => Ok(Value::Bool(match (arg(0)?, arg(1)?) {
                (Value::Int(x), Value::Int(y)) => x == y,
                (Value::Sym(x), Value::Sym(y)) => x == y,
                (Value::Bool(x), Value::Bool(y)) => x == y,
                (Value::Nil, Value::Nil) => true,
                (Value::Str(x), Value::Str(y)) => x == y,
                _ => false,
            })),
            Cons => Ok(Value::Pair(Rc::new((arg(0)?, arg(1)?)))),
            Car | Cdr => match arg(0)? {
                Value::Pair(p) => Ok(if b == Car { p.0.clone() } else { p.1.clone() }),
                _ => Err(format!("{b:?}: not a pair")),
            },
            List => Ok(Value::list(a)),
            IsNull => Ok(Value::Bool(matches!(arg(0)?, Value::Nil))),
            IsPair => Ok(Value::Bool(matches!(arg(0)?, Value::Pair(_)))),
            Not => Ok(Value::Bool(!arg(0)?.truthy())),
            Length => Ok(Value::Int(arg(0)?.to_vec()?.len() as i64)),
            Display => {
                let v = arg(0)?;
                let _ = write!(self.out, "{}", Show(&v, &self.syms));
                Ok(Value::Nil)
            }
            Newline => {
                self.out.push('\n');
                Ok(Value::Nil)
            }
            StrAppend => {
                let mut s = String::new();
                for v in &a {
                    let _ = write!(s, "{}", Show(v, &self.syms));
                }
                Ok(Value::Str(Rc::from(s.as_str())))
            }
            NumToStr => Ok(Value::Str(Rc::from(int(&arg(0)?)?.to_string().as_str()))),
            Abs => Ok(Value::Int(int(&arg(0)?)?.abs())),
            Max => fold(i64::MIN, |x, y| Some(x.max(y))),
            Min => fold(i64::MAX, |x, y| Some(x.min(y))),
            Reverse => {
                let mut v = arg(0)?.to_vec()?;
                v.reverse();
                Ok(Value::list(v))
            }
            Append => {
                let mut v = arg(0)?.to_vec()?;
                v.extend(arg(1)?.to_vec()?);
                Ok(Value::list(v))
            }
        }
    }
}
