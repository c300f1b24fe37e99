package taint

import (
	"math"
	"strconv"
	"strings"

	"github.com/tendhq/tend/internal/review/ir"
)

func (f *frame) eval(x ir.Expr, e *env) *Value {
	if x == nil {
		return unknown()
	}
	switch x := x.(type) {
	case *ir.Name:
		return f.name(x, e)
	case *ir.Const:
		if x.Value == nil && f.lang == ir.Java {
			return &Value{kind: kConst, null: &trace{step: Step{File: f.mod.Path, Pos: x.Pos, Note: "null"}}}
		}
		return constant(x.Value)
	case *ir.Attr:
		v := f.eval(x.X, e)
		if f.lang == ir.Java {
			// a qualified name such as java.io.File
			if v.kind == kUnknown && v.typ != "" && v.taint == nil && isPackageName(v.typ) {
				return f.javaType(v.typ + "." + x.Name)
			}
			f.deref(v, x.X, x.Pos)
			if x.Name == "length" && !(v.kind == kObject && v.class != nil) && v.kind != kClass && v.kind != kModule {
				// a field access .length is an array's length, a number
				return &Value{typ: "int"}
			}
		}
		return f.attr(v, x.Name, x.Pos)
	case *ir.Index:
		v := f.eval(x.X, e)
		i := f.eval(x.Index, e)
		if f.lang == ir.Java {
			f.deref(v, x.X, x.Pos)
		}
		return f.index(v, i)
	case *ir.Slice:
		v := f.eval(x.X, e)
		var lo, hi *Value
		if x.Lo != nil {
			lo = f.eval(x.Lo, e)
		}
		if x.Hi != nil {
			hi = f.eval(x.Hi, e)
		}
		return f.slice(v, lo, hi)
	case *ir.Call:
		return f.call(x, e)
	case *ir.Binary:
		return f.binary(x, e)
	case *ir.Unary:
		v := f.eval(x.X, e)
		switch x.Op {
		case "not", "!":
			if b, ok := truth(v); ok {
				return constant(!b)
			}
			return &Value{typ: "bool"}
		case "-":
			if n, ok := v.int(); ok {
				return constant(-n)
			}
			if v.isConst() {
				if fl, ok := v.c.(float64); ok {
					return constant(-fl)
				}
			}
		case "+":
			return v
		}
		return derived("", v)
	case *ir.Cond:
		t := f.eval(x.Test, e)
		if b, ok := truth(t); ok {
			if b {
				return f.eval(x.Then, e)
			}
			return f.eval(x.Else, e)
		}
		return join(f.eval(x.Then, f.refine(x.Test, e.clone(), true)), f.eval(x.Else, f.refine(x.Test, e.clone(), false)))
	case *ir.Seq:
		out := &Value{kind: kList}
		switch x.Kind {
		case ir.Tuple:
			out.typ = "tuple"
		case ir.Set:
			out.typ = "set"
		case ir.Array:
			out.typ = "array"
		default:
			out.typ = "list"
		}
		for _, el := range x.Elts {
			if st, ok := el.(*ir.Star); ok {
				sv := f.eval(st.X, e)
				if sv.kind == kList && !sv.loose {
					out.elems = append(out.elems, sv.elems...)
					continue
				}
				out.loose = true
				out.summary = join(out.summary, f.iterElem(sv))
				continue
			}
			out.elems = append(out.elems, f.eval(el, e))
		}
		if x.Kind == ir.Set && len(out.elems) > 0 {
			// order and duplicates of a set are not modelled
			out.summary = out.all()
			out.elems = nil
			out.loose = true
		}
		return out
	case *ir.Dict:
		d := newDict()
		d.typ = "dict"
		for i, k := range x.Keys {
			v := f.eval(x.Values[i], e)
			if k == nil {
				if v.kind == kDict {
					for _, kk := range v.order {
						d.setKey(kk, v.keys[kk])
					}
				}
				continue
			}
			kv := f.eval(k, e)
			if key, ok := keyOf(kv); ok {
				d.setKey(key, v)
			} else {
				d.loose = true
				d.summary = join(d.summary, v)
			}
		}
		return d
	case *ir.Concat:
		var sb strings.Builder
		all := true
		var parts []*Value
		for _, p := range x.Parts {
			v := f.eval(p, e)
			parts = append(parts, v)
			if s, ok := constString(v); ok {
				sb.WriteString(s)
			} else {
				all = false
			}
		}
		if all && sb.Len() <= maxConst {
			return constant(sb.String())
		}
		return derived("str", parts...)
	case *ir.Lambda:
		return &Value{kind: kFunc, fn: &fnRef{fn: x.Fn, mod: f.mod, closure: e}}
	case *ir.Comp:
		ce := e.clone()
		for _, c := range x.Fors {
			it := f.eval(c.Iter, ce)
			f.assign(c.Target, f.iterElem(it), ce, c.Iter.Position())
			for _, cond := range c.Ifs {
				f.eval(cond, ce)
			}
		}
		el := f.eval(x.Elt, ce)
		if x.Kind == ir.DictComp {
			d := newDict()
			d.loose = true
			d.summary = el
			if x.Key != nil {
				mixIn(d.summary, f.eval(x.Key, ce))
			}
			return d
		}
		return &Value{kind: kList, loose: true, summary: el, typ: "list"}
	case *ir.Star:
		return f.eval(x.X, e)
	case *ir.Cast:
		v := f.eval(x.X, e)
		if isPrimitive(x.Type) && x.Type != "char" {
			out := &Value{typ: x.Type}
			if v.isConst() {
				out.kind, out.c = kConst, v.c
			}
			return out
		}
		return f.declared(v, x.Type)
	case *ir.AssignExpr:
		v := f.eval(x.Value, e)
		if x.Op != "" {
			v = f.arith(x.Op, f.eval(x.Target, e), v)
		}
		f.assign(x.Target, v, e, x.Pos)
		return v
	case *ir.Unknown:
		var kids []*Value
		for _, k := range x.Kids {
			kids = append(kids, f.eval(k, e))
		}
		return derived("", kids...)
	}
	return unknown()
}

// maxConst bounds the constant strings the analysis folds, so that code
// which multiplies strings cannot make it use unbounded memory.
const maxConst = 1 << 14

func isPackageName(s string) bool {
	// java.io, javax.servlet.http ...: lower-case first segment without a class
	last := s
	if i := lastDot(s); i >= 0 {
		last = s[i+1:]
	}
	return last != "" && last[0] >= 'a' && last[0] <= 'z'
}

func constString(v *Value) (string, bool) {
	if v == nil || v.kind != kConst {
		return "", false
	}
	switch x := v.c.(type) {
	case string:
		return x, true
	case int64:
		return strconv.FormatInt(x, 10), true
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64), true
	case bool:
		if x {
			return "True", true
		}
		return "False", true
	case nil:
		return "None", true
	}
	return "", false
}

func (f *frame) name(x *ir.Name, e *env) *Value {
	if v, ok := e.lookup(x.ID); ok {
		return v
	}
	if f.lang == ir.Java {
		if x.ID == "this" && f.self != nil {
			return f.self
		}
		if f.self != nil {
			if v, ok := f.self.keys[x.ID]; ok {
				return v
			}
			if f.self.class != nil {
				if v, ok := f.self.class.attrs[x.ID]; ok {
					return v
				}
			}
		}
		if f.fn != nil && f.fn.Class != nil {
			if cv, ok := f.modEnv.lookup(f.fn.Class.Name); ok && cv.class != nil {
				if v, ok := cv.class.attrs[x.ID]; ok {
					return v
				}
			}
		}
	}
	if v, ok := f.modEnv.get(x.ID); ok {
		return v
	}
	if f.lang == ir.Java {
		return f.javaName(x.ID)
	}
	return f.library(&Value{typ: x.ID}, x.Pos)
}

// attr is v.name.
func (f *frame) attr(v *Value, name string, p ir.Pos) *Value {
	switch v.kind {
	case kModule:
		if v.modIR != nil {
			ms := f.w.module(v.modIR)
			if x, ok := ms.env.get(name); ok {
				return x
			}
		}
		sub := v.typ + "." + name
		if _, ok := f.w.a.p.byName[sub]; ok {
			return f.moduleValue(sub)
		}
		return f.library(&Value{kind: kModule, typ: sub}, p)
	case kObject:
		if x, ok := v.keys[name]; ok {
			return x
		}
		if v.class != nil {
			if x := f.classAttr(v.class, name); x != nil {
				if x.kind == kFunc {
					return &Value{kind: kFunc, fn: x.fn, self: v}
				}
				return x
			}
			if f.lang == ir.Python && v.taint != nil && v.class.class != nil {
				// an attribute a library base class provides, of an
				// object made from untrusted data (a Django form's
				// cleaned_data)
				return derived(v.class.class.Name+"."+name, v)
			}
			return unknown()
		}
	case kClass:
		if v.class != nil {
			if x := f.classAttr(v.class, name); x != nil {
				return x
			}
			if f.lang == ir.Python && v.class.class != nil {
				// an attribute a library base class provides
				// (Model.objects): named after the class
				return &Value{typ: v.class.class.Name + "." + name}
			}
			return unknown()
		}
	case kFunc:
		return unknown()
	}
	if v.typ == "flask.request" && name == "path" {
		if route := f.routePath(); route != "" {
			// a route without variables matches one path only
			return constant(route)
		}
	}
	typ := ""
	if v.typ != "" {
		typ = v.typ + "." + name
	}
	out := derived(typ, v)
	if v.kind == kList || v.kind == kDict {
		out = &Value{typ: typ}
		if v.taint != nil {
			out.taint, out.san = v.taint, v.san
		}
	}
	return f.library(out, p)
}

func (f *frame) classAttr(c *classRef, name string) *Value {
	return f.classAttrIn(c, name, 0)
}

// classAttrIn looks name up in c and its bases, at most 8 classes deep (a
// class may name itself as a base: class Error(Error)).
func (f *frame) classAttrIn(c *classRef, name string, depth int) *Value {
	if x, ok := c.attrs[name]; ok {
		return x
	}
	if depth >= 8 {
		return nil
	}
	for _, b := range c.class.Bases {
		bv := f.eval(b, f.modEnv)
		if bv.kind == kClass && bv.class != nil && bv.class != c && bv.class.class != c.class {
			if x := f.classAttrIn(bv.class, name, depth+1); x != nil {
				return x
			}
		}
	}
	return nil
}

// index is v[i].
func (f *frame) index(v, i *Value) *Value {
	switch v.kind {
	case kList:
		if n, ok := i.int(); ok && !v.loose {
			if n < 0 {
				n += int64(len(v.elems))
			}
			if n >= 0 && n < int64(len(v.elems)) {
				return v.elems[n]
			}
			if v.summary != nil {
				return v.summary
			}
			return unknown()
		}
		if a := v.all(); a != nil {
			return a
		}
		return derived(elemType(v.typ), v)
	case kDict:
		if k, ok := keyOf(i); ok {
			if x, ok := v.keys[k]; ok {
				return x
			}
			if v.summary != nil {
				return v.summary
			}
			if v.taint != nil {
				return &Value{taint: v.taint, san: v.san}
			}
			return unknown()
		}
		if a := v.all(); a != nil {
			out := join(a, nil)
			if v.taint != nil {
				mixIn(out, &Value{taint: v.taint, san: v.san})
			}
			return out
		}
		return derived("", v)
	case kConst:
		if s, ok := v.c.(string); ok {
			if n, ok := i.int(); ok {
				if n < 0 {
					n += int64(len(s))
				}
				if n >= 0 && n < int64(len(s)) {
					return constant(s[n : n+1])
				}
			}
		}
	case kObject:
		if v.class != nil {
			if m := f.classAttr(v.class, "__getitem__"); m != nil && m.kind == kFunc {
				return f.invoke(m.fn, v, []*Value{i}, nil, ir.Pos{})
			}
		}
	}
	return derived(elemType(v.typ), v)
}

func (f *frame) slice(v, lo, hi *Value) *Value {
	bound := func(b *Value, n int, def int) (int, bool) {
		if b == nil {
			return def, true
		}
		x, ok := b.int()
		if !ok {
			return 0, false
		}
		if x < 0 {
			x += int64(n)
		}
		if x < 0 {
			x = 0
		}
		if x > int64(n) {
			x = int64(n)
		}
		return int(x), true
	}
	if s, ok := v.str(); ok {
		l, ok1 := bound(lo, len(s), 0)
		h, ok2 := bound(hi, len(s), len(s))
		if ok1 && ok2 {
			if l > h {
				return constant("")
			}
			return constant(s[l:h])
		}
		return &Value{typ: "str"}
	}
	if v.kind == kList && !v.loose {
		l, ok1 := bound(lo, len(v.elems), 0)
		h, ok2 := bound(hi, len(v.elems), len(v.elems))
		if ok1 && ok2 {
			if l > h {
				l = h
			}
			return &Value{kind: kList, typ: v.typ, elems: append([]*Value(nil), v.elems[l:h]...)}
		}
		return &Value{kind: kList, typ: v.typ, loose: true, summary: v.all()}
	}
	if v.kind == kList {
		return &Value{kind: kList, typ: v.typ, loose: true, summary: v.all()}
	}
	out := derived(v.typ, v)
	return out
}

func (f *frame) binary(x *ir.Binary, e *env) *Value {
	switch x.Op {
	case "and", "&&":
		a := f.eval(x.X, e)
		if b, ok := truth(a); ok {
			if !b {
				return a
			}
			return f.eval(x.Y, f.refine(x.X, e.clone(), true))
		}
		b := f.eval(x.Y, f.refine(x.X, e.clone(), true))
		if bb, ok := truth(b); ok && !bb && f.lang == ir.Java {
			return constant(false)
		}
		if f.lang == ir.Java {
			return &Value{typ: "boolean"}
		}
		return join(a, b)
	case "or", "||":
		a := f.eval(x.X, e)
		if b, ok := truth(a); ok {
			if b {
				if f.lang == ir.Java {
					return constant(true)
				}
				return a
			}
			return f.eval(x.Y, f.refine(x.X, e.clone(), false))
		}
		b := f.eval(x.Y, f.refine(x.X, e.clone(), false))
		if bb, ok := truth(b); ok && bb && f.lang == ir.Java {
			return constant(true)
		}
		if f.lang == ir.Java {
			return &Value{typ: "boolean"}
		}
		return join(a, b)
	}
	a := f.eval(x.X, e)
	b := f.eval(x.Y, e)
	if f.lang == ir.Java {
		f.unboxed(x, a, b)
	}
	switch x.Op {
	case "==", "!=", "<", "<=", ">", ">=", "is", "is not", "in", "not in", "instanceof":
		return f.compare(x.Op, a, b)
	}
	return f.arith(x.Op, a, b)
}

func (f *frame) compare(op string, a, b *Value) *Value {
	res := func(r bool) *Value { return constant(r) }
	switch op {
	case "in", "not in":
		neg := op == "not in"
		if r, ok := contains(b, a); ok {
			return res(r != neg)
		}
		return &Value{typ: "bool"}
	case "is", "is not":
		neg := op == "is not"
		if a.isConst() && b.isConst() && (a.c == nil || b.c == nil) {
			return res((a.c == nil && b.c == nil) != neg)
		}
		if b.isConst() && b.c == nil && (a.kind == kList || a.kind == kDict || a.kind == kObject || a.kind == kFunc || a.kind == kClass || a.kind == kModule) {
			return res(neg)
		}
		return &Value{typ: "bool"}
	case "instanceof":
		return &Value{typ: "boolean"}
	}
	if a.isConst() && b.isConst() {
		if r, ok := cmpConst(op, a.c, b.c); ok {
			return res(r)
		}
	}
	if (op == "==" || op == "!=") && f.lang == ir.Java {
		// comparing an object allocated here with null
		if b.isConst() && b.c == nil && (a.kind == kList || a.kind == kDict || a.kind == kObject) && a.null == nil {
			return res(op == "!=")
		}
	}
	return &Value{typ: "bool"}
}

// contains decides "a in b" when it can.
func contains(b, a *Value) (bool, bool) {
	switch b.kind {
	case kConst:
		bs, ok1 := b.c.(string)
		as, ok2 := a.str()
		if ok1 && ok2 {
			return strings.Contains(bs, as), true
		}
	case kList:
		if b.loose || !a.isConst() {
			return false, false
		}
		for _, el := range b.elems {
			if !el.isConst() {
				return false, false
			}
			if constEqual(el.c, a.c) {
				return true, true
			}
		}
		return false, true
	case kDict:
		if k, ok := keyOf(a); ok && !b.loose && b.taint == nil {
			_, has := b.keys[k]
			return has, true
		}
	}
	return false, false
}

func cmpConst(op string, a, b any) (bool, bool) {
	if as, ok := a.(string); ok {
		bs, ok := b.(string)
		if !ok {
			if op == "==" {
				return false, true
			}
			if op == "!=" {
				return true, true
			}
			return false, false
		}
		switch op {
		case "==":
			return as == bs, true
		case "!=":
			return as != bs, true
		case "<":
			return as < bs, true
		case "<=":
			return as <= bs, true
		case ">":
			return as > bs, true
		case ">=":
			return as >= bs, true
		}
		return false, false
	}
	af, ok1 := num(a)
	bf, ok2 := num(b)
	if !ok1 || !ok2 {
		switch op {
		case "==":
			return a == b, true
		case "!=":
			return a != b, true
		}
		return false, false
	}
	switch op {
	case "==":
		return af == bf, true
	case "!=":
		return af != bf, true
	case "<":
		return af < bf, true
	case "<=":
		return af <= bf, true
	case ">":
		return af > bf, true
	case ">=":
		return af >= bf, true
	}
	return false, false
}

func num(x any) (float64, bool) {
	switch v := x.(type) {
	case int64:
		return float64(v), true
	case float64:
		return v, true
	case bool:
		if v {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

// arith folds an arithmetic or string operation, or propagates taint.
func (f *frame) arith(op string, a, b *Value) *Value {
	if a.isConst() && b.isConst() {
		if r, ok := foldArith(op, a.c, b.c, f.lang); ok {
			return constant(r)
		}
	}
	if op == "+" && a.kind == kList && b.kind == kList {
		if !a.loose && !b.loose {
			return &Value{kind: kList, typ: a.typ, elems: append(append([]*Value(nil), a.elems...), b.elems...)}
		}
		if !a.loose && f.lang == ir.Python {
			// [prog, arg] + more: the start stays known (as extend keeps it)
			return &Value{kind: kList, typ: a.typ, elems: append([]*Value(nil), a.elems...), loose: true, summary: b.all()}
		}
		return &Value{kind: kList, typ: a.typ, loose: true, summary: join(a.all(), b.all())}
	}
	if op == "%" {
		if _, ok := a.str(); ok || a.typ == "str" {
			return derived("str", a, b)
		}
	}
	if op == "/" && (strings.HasPrefix(a.typ, "pathlib.") || strings.HasPrefix(b.typ, "pathlib.")) {
		t := a.typ
		if !strings.HasPrefix(t, "pathlib.") {
			t = b.typ
		}
		return derived(t, a, b)
	}
	typ := ""
	if op == "+" {
		if _, ok := a.str(); ok {
			typ = "str"
		} else if _, ok := b.str(); ok {
			typ = "str"
		} else if a.typ == "str" || b.typ == "str" {
			typ = "str"
		}
	}
	if typ == "" && isNumberOp(op) && (isNumeric(a) && isNumeric(b)) {
		// arithmetic on numbers carries no injectable text
		return &Value{typ: "int"}
	}
	return derived(typ, a, b)
}

func isNumberOp(op string) bool {
	switch op {
	case "-", "*", "/", "//", "%", "**", "<<", ">>", "&", "|", "^", "+":
		return true
	}
	return false
}

func isNumeric(v *Value) bool {
	if v.isConst() {
		switch v.c.(type) {
		case int64, float64, bool:
			return true
		}
		return false
	}
	switch v.typ {
	case "int", "float", "long", "double", "short", "byte", "boolean", "bool":
		return true
	}
	return false
}

func foldArith(op string, a, b any, lang ir.Lang) (any, bool) {
	as, aStr := a.(string)
	bs, bStr := b.(string)
	if aStr || bStr {
		switch op {
		case "+":
			if aStr && bStr && len(as)+len(bs) <= maxConst {
				return as + bs, true
			}
			if lang == ir.Java {
				x, ok1 := constStringJava(a)
				y, ok2 := constStringJava(b)
				if ok1 && ok2 {
					return x + y, true
				}
			}
		case "*":
			if n, ok := b.(int64); ok && aStr && n >= 0 && int(n)*len(as) <= maxConst {
				return strings.Repeat(as, int(n)), true
			}
		}
		return nil, false
	}
	ai, aInt := a.(int64)
	bi, bInt := b.(int64)
	if ab, ok := a.(bool); ok {
		aInt, ai = true, b2i(ab)
	}
	if bb, ok := b.(bool); ok {
		bInt, bi = true, b2i(bb)
	}
	if aInt && bInt {
		switch op {
		case "+":
			return ai + bi, true
		case "-":
			return ai - bi, true
		case "*":
			return ai * bi, true
		case "//":
			if bi != 0 {
				return floorDiv(ai, bi), true
			}
		case "/":
			if bi != 0 {
				if lang == ir.Java {
					return ai / bi, true
				}
				return float64(ai) / float64(bi), true
			}
		case "%":
			if bi != 0 {
				if lang == ir.Java {
					return ai % bi, true
				}
				m := ai % bi
				if m != 0 && (m < 0) != (bi < 0) {
					m += bi
				}
				return m, true
			}
		case "**":
			if bi >= 0 && bi < 64 {
				r := math.Pow(float64(ai), float64(bi))
				if r < math.MaxInt64 {
					return int64(r), true
				}
			}
		case "&":
			return ai & bi, true
		case "|":
			return ai | bi, true
		case "^":
			return ai ^ bi, true
		case "<<":
			if bi >= 0 && bi < 63 {
				return ai << bi, true
			}
		case ">>":
			if bi >= 0 && bi < 63 {
				return ai >> bi, true
			}
		}
		return nil, false
	}
	af, ok1 := num(a)
	bf, ok2 := num(b)
	if ok1 && ok2 {
		switch op {
		case "+":
			return af + bf, true
		case "-":
			return af - bf, true
		case "*":
			return af * bf, true
		case "/":
			if bf != 0 {
				return af / bf, true
			}
		}
	}
	return nil, false
}

func constStringJava(x any) (string, bool) {
	switch v := x.(type) {
	case string:
		return v, true
	case int64:
		return strconv.FormatInt(v, 10), true
	case bool:
		return strconv.FormatBool(v), true
	case nil:
		return "null", true
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), true
	}
	return "", false
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// routePath is the request path of the route handler being interpreted
// when its routes are one constant path without variables ("" otherwise).
func (f *frame) routePath() string {
	if f.fn == nil || f.lang != ir.Python {
		return ""
	}
	path := ""
	for _, d := range f.fn.Decorators {
		c, ok := d.(*ir.Call)
		if !ok || len(c.Args) == 0 {
			continue
		}
		at, ok := c.Fn.(*ir.Attr)
		if !ok || (at.Name != "route" && at.Name != "get" && at.Name != "post" && at.Name != "put" && at.Name != "delete" && at.Name != "patch") {
			continue
		}
		k, ok := c.Args[0].(*ir.Const)
		if !ok {
			return ""
		}
		p, ok := k.Value.(string)
		if !ok || strings.ContainsAny(p, "<{") || path != "" && p != path {
			return ""
		}
		path = p
	}
	return path
}

// unboxed reports a maybe-null operand of arithmetic or an ordering: only a
// boxed number can be one, and unboxing null throws. + is concatenation
// when either side is a string, so there only a boxed number counts.
func (f *frame) unboxed(x *ir.Binary, a, b *Value) {
	switch x.Op {
	case "-", "*", "/", "%", "<", "<=", ">", ">=", "<<", ">>", ">>>":
		f.deref(a, x.X, x.Pos)
		f.deref(b, x.Y, x.Pos)
	case "+":
		if isBoxedNumber(a.typ) && !isStringType(b.typ) {
			f.deref(a, x.X, x.Pos)
		}
		if isBoxedNumber(b.typ) && !isStringType(a.typ) {
			f.deref(b, x.Y, x.Pos)
		}
	}
}

func isBoxedNumber(t string) bool {
	switch strings.TrimPrefix(t, "java.lang.") {
	case "Integer", "Long", "Short", "Byte", "Double", "Float", "Character":
		return true
	}
	return false
}
