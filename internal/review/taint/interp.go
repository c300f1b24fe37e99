package taint

import (
	"strings"

	"github.com/tendhq/tend/internal/review/ir"
	"github.com/tendhq/tend/internal/review/rule"
)

// isHTMLBody reports whether a handler's return value is sent as an HTML
// body (a string or a response made from one), not JSON, a redirect or a file.
func isHTMLBody(v *Value) bool {
	switch v.kind {
	case kDict, kObject, kFunc, kClass, kModule:
		return false
	case kList:
		// (body, status, headers): the body is the first element
		return len(v.elems) > 0 && isHTMLBody(v.elems[0])
	}
	t := v.typ
	return t == "" || t == "str" || strings.Contains(t, "make_response") || strings.HasSuffix(t, "Response()")
}

// world is the state of one root's analysis: the module states it started
// from (copied, so roots do not see each other's writes) and its budget.
type world struct {
	a      *analyzer
	mods   map[*ir.Module]*modState
	budget int
	stack  []*ir.Func
	seen   map[*Value]*Value
}

type modState struct {
	m       *ir.Module
	env     *env
	running bool
}

func (a *analyzer) newWorld() *world {
	return &world{a: a, mods: map[*ir.Module]*modState{}, budget: a.o.Budget, seen: map[*Value]*Value{}}
}

// module returns m's state in this world, running its top level the first
// time (from a template shared by all worlds).
func (w *world) module(m *ir.Module) *modState {
	if ms, ok := w.mods[m]; ok {
		return ms
	}
	if w.a.templates == nil {
		w.a.templates = map[*ir.Module]*modState{}
	}
	t, ok := w.a.templates[m]
	if !ok {
		// run the top level once, in a world of its own; the template is
		// registered first, so a circular import sees the module partly
		// initialised, as Python does
		t = &modState{m: m, env: newEnv(nil), running: true}
		w.a.templates[m] = t
		tw := &world{a: w.a, mods: map[*ir.Module]*modState{}, budget: w.a.o.Budget, seen: map[*Value]*Value{}}
		tw.initModule(m, t)
	}
	ms := &modState{m: m, env: &env{vars: map[string]*Value{}, tmpl: t.env.vars, seen: w.seen}}
	w.mods[m] = ms
	return ms
}

func (w *world) initModule(m *ir.Module, ms *modState) {
	w.mods[m] = ms
	f := &frame{w: w, mod: m, modEnv: ms.env, lang: m.Lang}
	if m.Lang == ir.Java {
		// Java: classes are declared, nothing runs at load beyond static initialisers
		for _, s := range m.Body {
			switch d := s.(type) {
			case *ir.ClassDef:
				f.exec([]ir.Stmt{d}, ms.env)
			case *ir.Import:
				f.exec([]ir.Stmt{d}, ms.env)
			}
		}
	} else {
		f.exec(m.Body, ms.env)
	}
	ms.running = false
}

// runRoot interprets one function with unknown (or, for request handlers,
// tainted) parameters.
func (w *world) runRoot(m *ir.Module, r root) {
	ms := w.module(m)
	f := &frame{w: w, mod: m, modEnv: ms.env, lang: m.Lang, fn: r.fn}
	scope := ms.env
	// enclosing functions: their parameters (unknown) and their local definitions
	for _, o := range r.outer {
		s := newEnv(scope)
		for _, p := range o.Params {
			s.vars[p.Name] = f.paramValue(o, p, -1)
		}
		of := &frame{w: w, mod: m, modEnv: ms.env, lang: m.Lang, fn: o}
		for _, st := range o.Body {
			switch st.(type) {
			case *ir.FuncDef, *ir.ClassDef, *ir.Import:
				of.exec([]ir.Stmt{st}, s)
			}
		}
		scope = s
	}
	var self *Value
	if r.class != nil {
		cls, ok := ms.env.get(r.class.Name)
		if !ok || cls.class == nil || cls.class.class != r.class || len(r.outer) > 0 {
			cls = f.classValue(r.class, scope)
		}
		self = f.newObject(cls)
		if m.Lang == ir.Java {
			f.initFields(cls, self)
		} else {
			f.pySelf(r.class, self)
		}
	}
	e := newEnv(scope)
	params := r.fn.Params
	if self != nil && m.Lang == ir.Python && len(params) > 0 && !isStatic(r.fn) {
		e.vars[params[0].Name] = self
		params = params[1:]
	}
	for i, p := range params {
		e.vars[p.Name] = f.paramValue(r.fn, p, i)
	}
	f.self = self
	w.stack = append(w.stack, r.fn)
	f.exec(r.fn.Body, e)
}

func isStatic(fn *ir.Func) bool {
	for _, d := range fn.Decorators {
		if n, ok := d.(*ir.Name); ok && (n.ID == "staticmethod") {
			return true
		}
	}
	return fn.Static
}

// frame is one function's interpretation.
type frame struct {
	w       *world
	mod     *ir.Module
	modEnv  *env
	lang    ir.Lang
	fn      *ir.Func
	self    *Value
	ret     *Value
	yields  *Value // a generator's elements
	loops   []*loopCtx
	globals map[string]bool
	depth   int
	// entry is where the root's function called into the project code
	// this frame runs (nil in the root itself)
	entry *callEntry
}

// callEntry is a call site in a root's own function.
type callEntry struct {
	mod *ir.Module
	pos ir.Pos
}

type loopCtx struct {
	brk, cont *env
	isSwitch  bool
}

// exec interprets stmts and returns the scope at their end, or nil when no
// path reaches it.
func (f *frame) exec(stmts []ir.Stmt, e *env) *env {
	for _, s := range stmts {
		if e == nil {
			return nil
		}
		f.w.budget--
		if f.w.budget < 0 {
			return nil
		}
		e = f.stmt(s, e)
	}
	return e
}

func (f *frame) stmt(s ir.Stmt, e *env) *env {
	switch s := s.(type) {
	case *ir.ExprStmt:
		f.eval(s.X, e)
		if f.pyNoReturn(s.X, e) {
			return nil
		}
		return e
	case *ir.Assign:
		f.assignStmt(s, e)
		return e
	case *ir.If:
		return f.ifStmt(s.Test, s.Then, s.Else, e)
	case *ir.While:
		return f.whileStmt(s, e)
	case *ir.For:
		return f.forStmt(s, e)
	case *ir.Return:
		v := constant(nil)
		if s.X != nil {
			v = f.eval(s.X, e)
		}
		if f.depth == 0 && f.lang == ir.Python && f.pyHTMLRoute() && pyHTMLBody(v) {
			f.sinkHit(XSS, rule.PyXSS, "the response of "+f.fn.Name, s.Pos, v)
		}
		f.ret = join(f.ret, v)
		if f.ret == v && f.ret != nil {
			f.ret = v
		}
		return nil
	case *ir.Raise:
		if s.X != nil {
			f.eval(s.X, e)
		}
		return nil
	case *ir.Break:
		if n := len(f.loops); n > 0 {
			f.loops[n-1].brk = merge(f.loops[n-1].brk, e)
		}
		return nil
	case *ir.Continue:
		for i := len(f.loops) - 1; i >= 0; i-- {
			if f.loops[i].isSwitch {
				continue
			}
			f.loops[i].cont = merge(f.loops[i].cont, e)
			return nil
		}
		return nil
	case *ir.Try:
		return f.tryStmt(s, e)
	case *ir.With:
		for _, it := range s.Items {
			v := f.eval(it.Value, e)
			if it.Target != nil {
				f.assign(it.Target, v, e, it.Value.Position())
			}
		}
		return f.exec(s.Body, e)
	case *ir.Switch:
		return f.switchStmt(s, e)
	case *ir.FuncDef:
		var closure *env
		if e != f.modEnv {
			closure = e
		}
		fv := &Value{kind: kFunc, fn: &fnRef{fn: s.Fn, mod: f.mod, closure: closure}}
		f.bind(s.Fn.Name, fv, e)
		return e
	case *ir.ClassDef:
		cv := f.classValue(s.Class, e)
		f.bind(s.Class.Name, cv, e)
		return e
	case *ir.Import:
		f.importStmt(s, e)
		return e
	case *ir.Global:
		if f.globals == nil {
			f.globals = map[string]bool{}
		}
		for _, n := range s.Names {
			f.globals[n] = true
		}
		return e
	case *ir.Block:
		return f.exec(s.Body, e)
	}
	return e
}

func (f *frame) bind(name string, v *Value, e *env) {
	if f.globals[name] {
		f.modEnv.vars[name] = v
		return
	}
	e.vars[name] = v
}

func (f *frame) ifStmt(test ir.Expr, then, els []ir.Stmt, e *env) *env {
	tv := f.eval(test, e)
	if b, ok := truth(tv); ok {
		if b {
			return f.exec(then, e)
		}
		return f.exec(els, e)
	}
	te := f.refine(test, e.clone(), true)
	ee := f.refine(test, e.clone(), false)
	a := f.exec(then, te)
	b := f.exec(els, ee)
	return merge(a, b)
}

func (f *frame) whileStmt(s *ir.While, e *env) *env {
	if !s.DoWhile {
		if b, ok := truth(f.eval(s.Test, e)); ok && !b {
			return f.exec(s.Else, e)
		}
	}
	lc := &loopCtx{}
	f.loops = append(f.loops, lc)
	head := e
	var out *env
	for pass := 0; pass < 2; pass++ {
		body := head.clone()
		if !s.DoWhile || pass > 0 {
			f.eval(s.Test, body)
			body = f.refine(s.Test, body, true)
		}
		end := f.exec(s.Body, body)
		end = merge(end, lc.cont)
		lc.cont = nil
		head = widen(head, end)
	}
	f.loops = f.loops[:len(f.loops)-1]
	infinite := false
	exit := head.clone()
	if b, ok := truth(f.eval(s.Test, exit)); ok && b {
		infinite = true
	}
	if !infinite {
		out = f.refine(s.Test, exit, false)
		out = f.exec(s.Else, out)
	}
	return merge(out, lc.brk)
}

func (f *frame) forStmt(s *ir.For, e *env) *env {
	iter := f.eval(s.Iter, e)
	if f.lang == ir.Java {
		// for (T x : xs) throws on a null xs
		f.deref(iter, s.Iter, s.Iter.Position())
	}
	elem := f.iterElem(iter)
	if iter.kind == kList && !iter.loose && iter.summary == nil && len(iter.elems) == 0 {
		return f.exec(s.Else, e)
	}
	lc := &loopCtx{}
	f.loops = append(f.loops, lc)
	head := e
	for pass := 0; pass < 2; pass++ {
		body := head.clone()
		f.assign(s.Target, elem, body, s.Iter.Position())
		end := f.exec(s.Body, body)
		end = merge(end, lc.cont)
		lc.cont = nil
		head = widen(head, end)
	}
	f.loops = f.loops[:len(f.loops)-1]
	out := f.exec(s.Else, head.clone())
	return merge(out, lc.brk)
}

// iterElem is the value of one element when iterating v.
func (f *frame) iterElem(v *Value) *Value {
	switch v.kind {
	case kList:
		if a := v.all(); a != nil {
			return a
		}
		return unknown()
	case kDict:
		// iterating a dict yields its keys
		out := &Value{}
		mixIn(out, v.summary)
		for _, k := range v.order {
			if len(k) > 2 && k[0] == 's' {
				out = join(out, constant(k[2:]))
			}
		}
		if v.taint != nil {
			mixIn(out, &Value{taint: v.taint, san: v.san})
		}
		return out
	case kConst:
		if s, ok := v.c.(string); ok && len(s) > 0 {
			var out *Value
			for _, r := range s {
				out = join(out, constant(string(r)))
				if out.kind != kConst {
					break
				}
			}
			return out
		}
	}
	return derived(elemType(v.typ), v)
}

func elemType(t string) string {
	if t == "" {
		return ""
	}
	return t + "[]"
}

func (f *frame) tryStmt(s *ir.Try, e *env) *env {
	pre := e.clone()
	body := f.exec(s.Body, e)
	entry := merge(pre, body)
	var out *env
	if body != nil {
		out = f.exec(s.Else, body)
	}
	for _, h := range s.Handlers {
		he := entry.clone()
		for _, t := range h.Types {
			f.eval(t, he)
		}
		if h.Name != "" {
			he.vars[h.Name] = unknown()
		}
		out = merge(out, f.exec(h.Body, he))
	}
	if len(s.Finally) > 0 {
		if out == nil {
			f.exec(s.Finally, entry.clone())
			return nil
		}
		out = f.exec(s.Finally, out)
	}
	return out
}

func (f *frame) switchStmt(s *ir.Switch, e *env) *env {
	subj := f.eval(s.Subject, e)
	if f.lang == ir.Java && !hasNullCase(s) {
		// switch (x) throws on a null x unless a case is null
		f.deref(subj, s.Subject, s.Pos)
	}
	lc := &loopCtx{isSwitch: true}
	if s.Fallthrough {
		f.loops = append(f.loops, lc)
		defer func() { f.loops = f.loops[:len(f.loops)-1] }()
	}
	// run executes from case i on (falling through in Java).
	run := func(i int, e *env) *env {
		for ; i < len(s.Cases); i++ {
			e = f.exec(s.Cases[i].Body, e)
			if e == nil || !s.Fallthrough {
				return e
			}
		}
		return e
	}
	// which cases can match?
	matchIdx := -1
	def := -1
	var possible []int
	for i, c := range s.Cases {
		if c.Values == nil {
			if def < 0 {
				def = i
			}
			continue
		}
		decided, hit := false, false
		allKnown := true
		for _, vx := range c.Values {
			v := f.eval(vx, e)
			if subj.isConst() && v.isConst() {
				if constEqual(subj.c, v.c) {
					hit = true
				}
			} else {
				allKnown = false
			}
		}
		if c.Guard != nil {
			if b, ok := truth(f.eval(c.Guard, e)); !ok || !b {
				allKnown = allKnown && ok
				if ok && !b {
					hit = false
				}
			}
		}
		decided = allKnown
		if decided && hit && matchIdx < 0 && len(possible) == 0 {
			matchIdx = i
			break
		}
		if !decided || hit {
			possible = append(possible, i)
		}
	}
	var out *env
	switch {
	case matchIdx >= 0:
		out = run(matchIdx, e)
	default:
		for _, i := range possible {
			out = merge(out, run(i, e.clone()))
		}
		if def >= 0 {
			out = merge(out, run(def, e.clone()))
		} else {
			out = merge(out, e)
		}
	}
	return merge(out, lc.brk)
}

func (f *frame) importStmt(s *ir.Import, e *env) {
	if f.lang == ir.Java {
		// import a.b.C: C names the class
		mod := s.Module
		if mod == "" {
			return
		}
		if len(s.Names) > 0 && s.Names[0].Name == "*" {
			return
		}
		short := mod
		if i := lastDot(mod); i >= 0 {
			short = mod[i+1:]
		}
		if _, ok := e.vars[short]; !ok {
			e.vars[short] = f.javaType(mod)
		}
		return
	}
	p := f.w.a.p
	if len(s.Names) == 0 {
		if s.Alias != "" {
			e.vars[s.Alias] = f.moduleValue(s.Module)
			return
		}
		top := s.Module
		if i := indexDot(top); i >= 0 {
			top = top[:i]
		}
		e.vars[top] = f.moduleValue(top)
		// make sure the submodule's state exists
		if m, ok := p.byName[s.Module]; ok {
			f.w.module(m)
		}
		return
	}
	base := s.Module
	if base != "" && base[0] == '.' {
		base = f.resolveRelative(base)
	}
	mv := f.moduleValue(base)
	for _, n := range s.Names {
		if n.Name == "*" {
			if mv.modIR != nil {
				me := f.w.module(mv.modIR).env
				for k := range me.tmpl {
					e.vars[k], _ = me.get(k)
				}
				for k, v := range me.vars {
					e.vars[k] = v
				}
			}
			continue
		}
		alias := n.Alias
		if alias == "" {
			alias = n.Name
		}
		if _, ok := p.byName[base+"."+n.Name]; ok {
			e.vars[alias] = f.moduleValue(base + "." + n.Name)
			continue
		}
		e.vars[alias] = f.attr(mv, n.Name, s.Pos)
	}
}

func (f *frame) resolveRelative(mod string) string {
	dots := 0
	for dots < len(mod) && mod[dots] == '.' {
		dots++
	}
	pkg := f.mod.Name
	for i := 0; i < dots; i++ {
		if j := lastDot(pkg); j >= 0 {
			pkg = pkg[:j]
		} else {
			pkg = ""
		}
	}
	rest := mod[dots:]
	if pkg == "" {
		return rest
	}
	if rest == "" {
		return pkg
	}
	return pkg + "." + rest
}

func indexDot(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] == '.' {
			return i
		}
	}
	return -1
}

func lastDot(s string) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '.' {
			return i
		}
	}
	return -1
}

// moduleValue is the value a Python module name evaluates to.
func (f *frame) moduleValue(name string) *Value {
	v := &Value{kind: kModule, typ: name}
	if m, ok := f.w.a.p.byName[name]; ok && m.Lang == ir.Python {
		v.modIR = m
	}
	return f.library(v, ir.Pos{})
}

func (f *frame) classValue(c *ir.Class, e *env) *Value {
	cr := &classRef{class: c, mod: f.mod, attrs: map[string]*Value{}}
	cv := &Value{kind: kClass, class: cr, typ: c.Name}
	ce := newEnv(e)
	for _, m := range c.Methods {
		var closure *env
		if e != f.modEnv {
			closure = e
		}
		cr.attrs[m.Name] = &Value{kind: kFunc, fn: &fnRef{fn: m, mod: f.mod, closure: closure}}
	}
	saved := f.self
	f.exec(c.Body, ce)
	f.self = saved
	for k, v := range ce.vars {
		cr.attrs[k] = v
	}
	for _, fd := range c.Fields {
		if fd.Static {
			v := unknown()
			if fd.Init != nil {
				v = f.eval(fd.Init, ce)
			}
			cr.attrs[fd.Name] = f.declared(v, fd.Type)
		}
	}
	return cv
}

func (f *frame) newObject(cls *Value) *Value {
	return &Value{kind: kObject, class: cls.class, typ: cls.typ, keys: map[string]*Value{}}
}

// initFields runs a Java object's field initialisers.
func (f *frame) initFields(cls *Value, obj *Value) {
	if cls.class == nil {
		return
	}
	e := newEnv(f.modEnv)
	saved := f.self
	f.self = obj
	for _, fd := range cls.class.class.Fields {
		if fd.Static {
			continue
		}
		// Without a constructor run, a field holds what the class's code put
		// there: its initialiser if it is final, otherwise anything.
		v := unknown()
		if fd.Init != nil {
			v = f.eval(fd.Init, e)
			if !fd.Final && v.kind == kConst && f.w.a.assigned(cls.class.class)[fd.Name] {
				v = derived("", v)
			}
		}
		obj.setKey(fd.Name, f.declared(v, fd.Type))
	}
	f.self = saved
}

// assigned returns the fields some method of c assigns: a field no method
// writes keeps its initialiser, final or not.
func (a *analyzer) assigned(c *ir.Class) map[string]bool {
	if a.fieldWrites == nil {
		a.fieldWrites = map[*ir.Class]map[string]bool{}
	}
	if m, ok := a.fieldWrites[c]; ok {
		return m
	}
	m := map[string]bool{}
	target := func(t ir.Expr) {
		switch t := t.(type) {
		case *ir.Name:
			m[t.ID] = true
		case *ir.Attr:
			m[t.Name] = true
		}
	}
	var expr func(x ir.Expr)
	expr = func(x ir.Expr) {
		switch x := x.(type) {
		case *ir.AssignExpr:
			target(x.Target)
			expr(x.Value)
		case *ir.Call:
			for _, a := range x.Args {
				expr(a)
			}
		case *ir.Binary:
			expr(x.X)
			expr(x.Y)
		case *ir.Cond:
			expr(x.Test)
			expr(x.Then)
			expr(x.Else)
		}
	}
	walk := func(ss []ir.Stmt) {
		for _, s := range ss {
			forEachNested(s, func(s ir.Stmt) {
				switch s := s.(type) {
				case *ir.Assign:
					for _, t := range s.Targets {
						target(t)
					}
					expr(s.Value)
				case *ir.ExprStmt:
					expr(s.X)
				case *ir.If:
					expr(s.Test)
				case *ir.While:
					expr(s.Test)
				}
			})
		}
	}
	for _, fn := range c.Methods {
		// a local variable of the same name shadows the field: counting it
		// as a write only loses a constant
		walk(fn.Body)
	}
	a.fieldWrites[c] = m
	return m
}

func hasNullCase(s *ir.Switch) bool {
	for _, c := range s.Cases {
		for _, v := range c.Values {
			if isNull(v) {
				return true
			}
		}
	}
	return false
}
