//! The evaluator: special forms, closures, builtins.

use std::fmt::Write as _;
use std::rc::Rc;

use crate::value::{assign, lookup, new_env, Builtin, Env, Lambda, Show, Sym, Symbols, Value, BUILTINS};

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
        let vars = BUILTINS.iter().map(|(n, b)| (syms.intern(n), Value::Builtin(*b))).collect();
        let mut i = |n| syms.intern(n);
        let forms = Forms {
            quote: i("quote"), r#if: i("if"), define: i("define"), set: i("set!"), lambda: i("lambda"),
            r#let: i("let"), begin: i("begin"), r#while: i("while"), cond: i("cond"), r#else: i("else"),
            and: i("and"), or: i("or"),
        };
        (Interp { syms, out: String::new(), forms }, new_env(None, vars))
    }

    fn body(&mut self, forms: &[Value], env: &Env) -> R {
        let mut last = Value::Nil;
        for f in forms {
            last = self.eval(f, env)?;
        }
        Ok(last)
    }

    pub fn eval(&mut self, x: &Value, env: &Env) -> R {
        match x {
            Value::Sym(s) => lookup(env, *s).ok_or_else(|| format!("unbound symbol {}", self.syms.name(*s))),
            Value::Pair(p) => {
                if let Value::Sym(head) = p.0 {
                    if let Some(v) = self.special(head, &p.1, env)? {
                        return Ok(v);
                    }
                }
                let f = self.eval(&p.0, env)?;
                let mut args = Vec::with_capacity(4);
                let mut cur = &p.1;
                while let Value::Pair(a) = cur {
                    args.push(self.eval(&a.0, env)?);
                    cur = &a.1;
                }
                self.apply(&f, args)
            }
            other => Ok(other.clone()),
        }
    }

    fn special(&mut self, head: Sym, rest: &Value, env: &Env) -> Result<Option<Value>, String> {
        let f = &self.forms;
        let args = || rest.to_vec();
        let v = if head == f.quote {
            args()?.into_iter().next().unwrap_or(Value::Nil)
        } else if head == f.r#if {
            let a = args()?;
            let cond = self.eval(a.first().ok_or("if: no condition")?, env)?;
            match (cond.truthy(), a.get(1), a.get(2)) {
                (true, Some(t), _) => self.eval(t, env)?,
                (false, _, Some(e)) => self.eval(e, env)?,
                _ => Value::Nil,
            }
        } else if head == f.define {
            let a = args()?;
            match a.first() {
                Some(Value::Sym(name)) => {
                    let v = self.eval(a.get(1).ok_or("define: no value")?, env)?;
                    env.borrow_mut().vars.push((*name, v));
                }
                Some(sig @ Value::Pair(_)) => {
                    let sig = sig.to_vec()?;
                    let Some(Value::Sym(name)) = sig.first() else { return Err("define: bad name".into()) };
                    let lam = self.lambda(&sig[1..], &a[1..], env)?;
                    env.borrow_mut().vars.push((*name, lam));
                }
                _ => return Err("define: bad form".into()),
            }
            Value::Nil
        } else if head == f.set {
            let a = args()?;
            let Some(Value::Sym(name)) = a.first() else { return Err("set!: bad name".into()) };
            let v = self.eval(a.get(1).ok_or("set!: no value")?, env)?;
            if !assign(env, *name, v) {
                return Err(format!("set!: unbound {}", self.syms.name(*name)));
            }
            Value::Nil
        } else if head == f.lambda {
            let a = args()?;
            let params = a.first().ok_or("lambda: no params")?.to_vec()?;
            self.lambda(&params, &a[1..], env)?
        } else if head == f.r#let {
            let a = args()?;
            let mut vars = vec![];
            for b in a.first().ok_or("let: no bindings")?.to_vec()? {
                let b = b.to_vec()?;
                let Some(Value::Sym(name)) = b.first() else { return Err("let: bad binding".into()) };
                vars.push((*name, self.eval(b.get(1).ok_or("let: no value")?, env)?));
            }
            let inner = new_env(Some(env.clone()), vars);
            self.body(&a[1..], &inner)?
        } else if head == f.begin {
            self.body(&args()?, env)?
        } else if head == f.r#while {
            let a = args()?;
            let cond = a.first().ok_or("while: no condition")?;
            while self.eval(cond, env)?.truthy() {
                self.body(&a[1..], env)?;
            }
            Value::Nil
        } else if head == f.cond {
            let els = f.r#else;
            for clause in args()? {
                let c = clause.to_vec()?;
                let test = c.first().ok_or("cond: empty clause")?;
                let hit = matches!(test, Value::Sym(s) if *s == els) || self.eval(test, env)?.truthy();
                if hit {
                    return self.body(&c[1..], env).map(Some);
                }
            }
            Value::Nil
        } else if head == f.and {
            let mut last = Value::Bool(true);
            for x in args()? {
                last = self.eval(&x, env)?;
                if !last.truthy() {
                    break;
                }
            }
            last
        } else if head == f.or {
            let mut last = Value::Bool(false);
            for x in args()? {
                last = self.eval(&x, env)?;
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
        Ok(Value::Lambda(Rc::new(Lambda { params, body: body.into(), env: env.clone() })))
    }

    pub fn apply(&mut self, f: &Value, args: Vec<Value>) -> R {
        match f {
            Value::Lambda(l) => {
                if l.params.len() != args.len() {
                    return Err(format!("arity: expected {}, got {}", l.params.len(), args.len()));
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
        let arg = |i: usize| a.get(i).cloned().ok_or_else(|| format!("{b:?}: missing argument"));
        let fold = |init: i64, op: fn(i64, i64) -> Option<i64>| -> R {
            let mut acc = init;
            for v in &a {
                acc = op(acc, int(v)?).ok_or("arithmetic overflow")?;
            }
            Ok(Value::Int(acc))
        };
        let cmp = |op: fn(i64, i64) -> bool| -> R { Ok(Value::Bool(op(int(&arg(0)?)?, int(&arg(1)?)?))) };
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
                Ok(Value::Int(if b == Div { x.div_euclid(y) } else { x.rem_euclid(y) }))
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
