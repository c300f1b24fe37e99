package taint

import (
	"strings"

	"github.com/tendhq/tend/internal/review/ir"
)

// callSite is a call being interpreted: where it is, its arguments, and the
// scope it is evaluated in.
type callSite struct {
	c    *ir.Call
	args []*Value
	kw   map[string]*Value
	e    *env
}

func (s *callSite) arg(i int, name string) *Value {
	if name != "" && s.kw != nil {
		if v, ok := s.kw[name]; ok {
			return v
		}
	}
	if i >= 0 && i < len(s.args) {
		return s.args[i]
	}
	return nil
}

func (s *callSite) all() []*Value {
	out := append([]*Value(nil), s.args...)
	for _, v := range s.kw {
		out = append(out, v)
	}
	return out
}

func (f *frame) evalArgs(c *ir.Call, e *env) *callSite {
	s := &callSite{c: c, e: e}
	for _, a := range c.Args {
		if st, ok := a.(*ir.Star); ok {
			v := f.eval(st.X, e)
			if v.kind == kList && !v.loose {
				s.args = append(s.args, v.elems...)
			} else {
				s.args = append(s.args, f.iterElem(v))
			}
			continue
		}
		s.args = append(s.args, f.eval(a, e))
	}
	for _, k := range c.Kw {
		v := f.eval(k.Value, e)
		if s.kw == nil {
			s.kw = map[string]*Value{}
		}
		if k.Name == "" {
			if v.kind == kDict {
				for _, key := range v.order {
					if strings.HasPrefix(key, "s:") {
						s.kw[key[2:]] = v.keys[key]
					}
				}
			}
			continue
		}
		s.kw[k.Name] = v
	}
	return s
}

func (f *frame) call(c *ir.Call, e *env) *Value {
	if c.New {
		return f.javaNew(c, e)
	}
	if at, ok := c.Fn.(*ir.Attr); ok {
		recv := f.eval(at.X, e)
		if f.lang == ir.Java && recv.kind == kUnknown && recv.typ != "" && recv.taint == nil && isPackageName(recv.typ) {
			// a static call on a fully qualified class: java.nio.file.Paths.get(...)
			recv = f.javaType(recv.typ)
		}
		s := f.evalArgs(c, e)
		if f.lang == ir.Java {
			f.deref(recv, at.X, at.Pos)
			v := f.method(s, recv, at.Name)
			if v != nil && v.null != nil {
				// the same call was checked for null on this path
				if key, ok := callFact(c.Fn, c.Args); ok {
					if _, checked := e.lookup(key); checked {
						return withoutNull(v)
					}
				}
			}
			return v
		}
		return f.method(s, recv, at.Name)
	}
	if n, ok := c.Fn.(*ir.Name); ok && f.lang == ir.Java {
		if _, local := e.lookup(n.ID); !local {
			s := f.evalArgs(c, e)
			if f.fn != nil && f.fn.Class != nil {
				if m := javaMethodIn(f.fn.Class, n.ID, len(s.args)); m != nil {
					self := f.self
					if m.Static {
						self = nil
					}
					return f.invoke(&fnRef{fn: m, mod: f.mod}, self, s.args, s.kw, c.Pos)
				}
			}
			return derived("", s.all()...)
		}
	}
	if n, ok := c.Fn.(*ir.Name); ok && n.ID == "<yield>" {
		// a generator: what it yields is what iterating its result gives
		s := f.evalArgs(c, e)
		out := &Value{kind: kList, typ: "generator", loose: true}
		for _, a := range s.args {
			if len(c.Kw) > 0 { // yield from
				out.summary = join(out.summary, f.iterElem(a))
			} else {
				out.summary = join(out.summary, a)
			}
		}
		f.yields = join(f.yields, out)
		return unknown()
	}
	fn := f.eval(c.Fn, e)
	s := f.evalArgs(c, e)
	return f.callValue(s, fn)
}

// javaMethodIn finds a method by name, preferring one with n parameters.
func javaMethodIn(c *ir.Class, name string, n int) *ir.Func {
	var any *ir.Func
	for _, m := range c.Methods {
		if m.Name != name {
			continue
		}
		if len(m.Params) == n || len(m.Params) > 0 && m.Params[len(m.Params)-1].Star && n >= len(m.Params)-1 {
			return m
		}
		any = m
	}
	return any
}

// method interprets recv.name(args).
func (f *frame) method(s *callSite, recv *Value, name string) *Value {
	switch recv.kind {
	case kObject:
		if recv.class != nil && f.lang == ir.Java {
			if m := javaMethodIn(recv.class.class, name, len(s.args)); m != nil {
				self := recv
				if m.Static {
					self = nil
				}
				return f.invoke(&fnRef{fn: m, mod: recv.class.mod}, self, s.args, s.kw, s.c.Pos)
			}
		}
		if recv.class != nil {
			if m := f.classAttr(recv.class, name); m != nil && m.kind == kFunc {
				if m.fn != nil && isStatic(m.fn.fn) {
					return f.invoke(m.fn, nil, s.args, s.kw, s.c.Pos)
				}
				return f.invoke(m.fn, recv, s.args, s.kw, s.c.Pos)
			}
			if m := f.classAttr(recv.class, name); m != nil {
				return f.callValue(s, m)
			}
			// an inherited library method (a subclass of a library class)
			if out, ok := f.containerMethod(s, recv, name); ok {
				return out
			}
			return derived("", s.all()...)
		}
	case kModule:
		return f.callValue(s, f.attr(recv, name, s.c.Pos))
	case kClass:
		if recv.class != nil && f.lang == ir.Java {
			if m := javaMethodIn(recv.class.class, name, len(s.args)); m != nil {
				return f.invoke(&fnRef{fn: m, mod: recv.class.mod}, nil, s.args, s.kw, s.c.Pos)
			}
		}
		if recv.class != nil {
			if m := f.classAttr(recv.class, name); m != nil {
				if m.kind == kFunc && m.fn != nil && m.self == nil {
					return f.invoke(m.fn, nil, s.args, s.kw, s.c.Pos)
				}
				return f.callValue(s, m)
			}
			return derived("", s.all()...)
		}
	case kFunc:
		if name == "__call__" || name == "apply" || name == "call" || name == "get" || name == "accept" {
			return f.callValue(s, recv)
		}
	}
	if out, ok := f.containerMethod(s, recv, name); ok {
		return out
	}
	if f.lang == ir.Java {
		if out, ok := f.typedDispatch(s, recv, name); ok {
			return out
		}
		return f.javaMethod(s, recv, name)
	}
	return f.pyMethod(s, recv, name)
}

// callValue interprets fn(args) for a function, class or library callable.
func (f *frame) callValue(s *callSite, fn *Value) *Value {
	switch fn.kind {
	case kFunc:
		if fn.fn != nil {
			return f.invoke(fn.fn, fn.self, s.args, s.kw, s.c.Pos)
		}
	case kClass:
		if fn.class != nil {
			return f.instantiate(fn, s)
		}
	}
	if f.lang == ir.Java {
		return f.javaCall(s, fn)
	}
	return f.pyCall(s, fn)
}

func (f *frame) instantiate(cls *Value, s *callSite) *Value {
	obj := f.newObject(cls)
	if f.lang == ir.Java {
		f.initFields(cls, obj)
		if ctor := f.javaCtor(cls.class, len(s.args)); ctor != nil {
			f.invoke(&fnRef{fn: ctor, mod: cls.class.mod}, obj, s.args, s.kw, s.c.Pos)
		}
		return obj
	}
	if init := f.classAttr(cls.class, "__init__"); init != nil && init.kind == kFunc && init.fn != nil {
		f.invoke(init.fn, obj, s.args, s.kw, s.c.Pos)
	} else {
		// a subclass of a library class: keep what was passed in
		mixIn(obj, s.all()...)
		if obj.taint != nil && cls.class.class != nil && len(cls.class.class.Bases) == 0 {
			obj.taint = nil
		}
	}
	return obj
}

// invoke runs a project function in the context of this call.
func (f *frame) invoke(fr *fnRef, self *Value, args []*Value, kw map[string]*Value, p ir.Pos) *Value {
	fn := fr.fn
	depth := 0
	for _, s := range f.w.stack {
		if s == fn {
			depth++
		}
	}
	if depth > 0 || len(f.w.stack) > f.w.a.o.MaxDepth || f.w.budget <= 0 {
		in := append([]*Value(nil), args...)
		for _, v := range kw {
			in = append(in, v)
		}
		return derived("", in...)
	}
	ms := f.w.module(fr.mod)
	parent := fr.closure
	if parent == nil {
		parent = ms.env
	}
	e := newEnv(parent)
	nf := &frame{w: f.w, mod: fr.mod, modEnv: ms.env, lang: fr.mod.Lang, fn: fn, self: self, depth: f.depth + 1}
	nf.entry = f.entry
	if nf.entry == nil {
		nf.entry = &callEntry{mod: f.mod, pos: p}
	}
	params := fn.Params
	if self != nil && nf.lang == ir.Python && len(params) > 0 {
		e.vars[params[0].Name] = self
		params = params[1:]
	}
	i := 0
	for _, prm := range params {
		switch {
		case prm.Star && nf.lang == ir.Python:
			rest := &Value{kind: kList, typ: "tuple"}
			if i < len(args) {
				rest.elems = append(rest.elems, args[i:]...)
			}
			i = len(args)
			e.vars[prm.Name] = rest
			continue
		case prm.DStar:
			d := newDict()
			for k, v := range kw {
				d.setKey("s:"+k, v)
			}
			e.vars[prm.Name] = d
			continue
		}
		var v *Value
		if kv, ok := kw[prm.Name]; ok {
			v = kv
		} else if i < len(args) {
			v = args[i]
			i++
		} else if prm.Default != nil {
			v = nf.eval(prm.Default, parent)
		} else {
			v = unknown()
		}
		if prm.Type != "" && nf.lang == ir.Java {
			v = nf.declared(v, prm.Type)
		}
		e.vars[prm.Name] = v
	}
	f.w.stack = append(f.w.stack, fn)
	nf.exec(fn.Body, e)
	f.w.stack = f.w.stack[:len(f.w.stack)-1]
	out := nf.ret
	if nf.yields != nil {
		out = nf.yields
	}
	if out == nil {
		if nf.lang == ir.Java {
			out = unknown()
		} else {
			out = constant(nil)
		}
	}
	if out.taint != nil && isScalar(out) {
		c := *out
		c.taint = out.taint.with(Step{File: f.mod.Path, Pos: p, Note: "returned by " + fn.Name + "()"})
		out = &c
	}
	return out
}

// paramValue is a root's parameter: tainted for request handlers' inputs,
// unknown otherwise.
func (f *frame) paramValue(fn *ir.Func, p ir.Param, i int) *Value {
	if f.lang == ir.Java {
		return f.javaParam(fn, p, i)
	}
	if v, ok := f.pyParam(fn, p); ok {
		return v
	}
	v := unknown()
	src := ""
	switch {
	case p.Name == "request" && f.w.a.webModule(f.mod):
		// a Django, Pyramid or aiohttp view's request
		src = "request"
		v.typ = "django.request"
	case isRouteHandler(fn) && p.Name != "self":
		src = "route parameter " + p.Name
		v.typ = "str"
	}
	if src != "" {
		v.taint = &trace{step: Step{File: f.mod.Path, Pos: fn.Pos, Note: src}}
	}
	return v
}

// isRouteHandler reports whether fn is a Flask/FastAPI-style route.
func isRouteHandler(fn *ir.Func) bool {
	for _, d := range fn.Decorators {
		c, ok := d.(*ir.Call)
		if !ok {
			continue
		}
		if at, ok := c.Fn.(*ir.Attr); ok {
			switch at.Name {
			case "route", "get", "post", "put", "delete", "patch", "api_route":
				return true
			}
		}
	}
	return false
}

// source makes a tainted value for data read from note at p.
func (f *frame) source(typ, note string, p ir.Pos) *Value {
	return &Value{typ: typ, taint: &trace{step: Step{File: f.mod.Path, Pos: p, Note: note}}}
}

// webFrameworks are the packages whose views take the request as a parameter.
var webFrameworks = map[string]bool{
	"django": true, "flask": true, "pyramid": true, "aiohttp": true, "starlette": true, "fastapi": true,
	"bottle": true, "tornado": true, "falcon": true, "sanic": true, "quart": true, "werkzeug": true, "rest_framework": true,
}

// webModule reports whether m imports a web framework (so a parameter named
// request is an HTTP request).
func (a *analyzer) webModule(m *ir.Module) bool {
	if a.web == nil {
		a.web = map[*ir.Module]bool{}
	}
	if v, ok := a.web[m]; ok {
		return v
	}
	found := false
	for _, s := range m.Body {
		forEachNested(s, func(s ir.Stmt) {
			if im, ok := s.(*ir.Import); ok {
				root := im.Module
				if i := indexDot(root); i >= 0 {
					root = root[:i]
				}
				if webFrameworks[root] {
					found = true
				}
			}
		})
	}
	a.web[m] = found
	return found
}

// typedDispatch calls a project class's method on a value known only by its
// declared type (an injected field, a parameter): the method's body runs
// with a fresh instance of the class.
func (f *frame) typedDispatch(s *callSite, recv *Value, name string) (*Value, bool) {
	if recv.kind != kUnknown || recv.typ == "" {
		return nil, false
	}
	short := recv.typ
	if i := lastDot(short); i >= 0 {
		short = short[i+1:]
	}
	c, ok := f.javaClassNamed(short)
	if !ok || c.mod != f.mod && len(f.w.a.p.classes[short]) != 1 {
		return nil, false
	}
	m := javaMethodIn(c.class, name, len(s.args))
	if m == nil || len(m.Body) == 0 {
		return nil, false
	}
	cv := f.javaName(short)
	if cv.kind != kClass || cv.class == nil {
		return nil, false
	}
	var self *Value
	if !m.Static {
		self = f.newObject(cv)
		f.initFields(cv, self)
	}
	return f.invoke(&fnRef{fn: m, mod: cv.class.mod}, self, s.args, s.kw, s.c.Pos), true
}
