package taint

import (
	"strings"

	"github.com/tendhq/tend/internal/review/ir"
)

func (f *frame) assignStmt(s *ir.Assign, e *env) {
	if s.Value == nil {
		// a Java declaration without initialiser
		for _, t := range s.Targets {
			if n, ok := t.(*ir.Name); ok {
				v := unknown()
				v.typ = f.javaTypeName(s.Type)
				e.vars[n.ID] = v
			}
		}
		return
	}
	v := f.eval(s.Value, e)
	if s.Op != "" {
		for _, t := range s.Targets {
			old := f.eval(t, e)
			nv := v
			if old.kind == kList && (s.Op == "+") {
				// lst += iterable extends in place
				f.listExtend(old, v)
				nv = old
			} else {
				nv = f.arith(s.Op, old, v)
			}
			f.assign(t, nv, e, s.Pos)
		}
		return
	}
	if s.Type != "" {
		if f.lang == ir.Java && v.null != nil && isPrimitive(s.Type) && s.Type[0] >= 'a' && s.Type[0] <= 'z' && s.Value != nil {
			// int n = map.get(k): unboxing a null throws
			f.deref(v, s.Value, s.Pos)
		}
		v = f.declared(v, s.Type)
	}
	for _, t := range s.Targets {
		f.assign(t, v, e, s.Pos)
	}
}

func isScalar(v *Value) bool {
	switch v.kind {
	case kList, kDict, kObject, kModule, kFunc, kClass:
		return false
	}
	return true
}

// assign stores v into target.
func (f *frame) assign(target ir.Expr, v *Value, e *env, p ir.Pos) {
	switch t := target.(type) {
	case *ir.Name:
		if isScalar(v) && (v.taint != nil || v.weak != nil) {
			c := *v
			st := Step{File: f.mod.Path, Pos: p, Note: t.ID}
			c.taint = v.taint.with(st)
			c.weak = v.weak.with(st)
			c.roots = addRoots(append([]string{t.ID}, v.roots...), nil)
			v = &c
		} else if isScalar(v) {
			c := *v
			c.roots = addRoots([]string{t.ID}, v.roots)
			v = &c
		}
		if f.lang == ir.Java {
			if _, ok := e.lookup(t.ID); !ok && f.self != nil {
				if _, ok := f.self.keys[t.ID]; ok {
					f.self.setKey(t.ID, v)
					return
				}
				if f.self.class != nil {
					if _, ok := f.self.class.attrs[t.ID]; ok {
						f.self.class.attrs[t.ID] = v
						return
					}
				}
			}
			// Java scopes are per method; an assignment updates the nearest binding
			for s := e; s != nil; s = s.parent {
				if _, ok := s.vars[t.ID]; ok {
					s.vars[t.ID] = v
					return
				}
			}
		}
		f.bind(t.ID, v, e)
	case *ir.Attr:
		obj := f.eval(t.X, e)
		switch obj.kind {
		case kModule:
			if obj.modIR != nil {
				f.w.module(obj.modIR).env.vars[t.Name] = v
			}
		case kObject:
			obj.setKey(t.Name, v)
		case kClass:
			if obj.class != nil {
				obj.class.attrs[t.Name] = v
			}
		default:
			f.attrStore(obj, t.Name, v, p)
		}
	case *ir.Index:
		obj := f.eval(t.X, e)
		idx := f.eval(t.Index, e)
		f.indexStore(obj, idx, v, p)
	case *ir.Slice:
		obj := f.eval(t.X, e)
		if obj.kind == kList {
			obj.summary = join(obj.summary, join(obj.all(), f.iterElem(v)))
			obj.elems = nil
			obj.loose = true
		}
	case *ir.Seq:
		if v.kind == kList && !v.loose && len(v.elems) == len(t.Elts) {
			for i, el := range t.Elts {
				f.assign(el, v.elems[i], e, p)
			}
			return
		}
		el := f.iterElem(v)
		for _, x := range t.Elts {
			if st, ok := x.(*ir.Star); ok {
				f.assign(st.X, &Value{kind: kList, loose: true, summary: el, typ: "list"}, e, p)
				continue
			}
			f.assign(x, el, e, p)
		}
	case *ir.Star:
		f.assign(t.X, v, e, p)
	}
}

// indexStore is obj[idx] = v.
func (f *frame) indexStore(obj, idx, v *Value, p ir.Pos) {
	f.sinkStore(obj, idx, v, p)
	switch obj.kind {
	case kList:
		if n, ok := idx.int(); ok && !obj.loose {
			if n < 0 {
				n += int64(len(obj.elems))
			}
			if n >= 0 && n < int64(len(obj.elems)) {
				obj.elems[n] = v
				return
			}
		}
		obj.summary = join(obj.summary, v)
		obj.loose = true
	case kDict:
		if k, ok := keyOf(idx); ok {
			obj.setKey(k, v)
			return
		}
		obj.summary = join(obj.summary, v)
		obj.loose = true
	case kObject:
		if obj.class != nil {
			if m := f.classAttr(obj.class, "__setitem__"); m != nil && m.kind == kFunc {
				f.invoke(m.fn, obj, []*Value{idx, v}, nil, p)
			}
		}
	}
}

// attrStore is obj.name = v on a library object.
func (f *frame) attrStore(obj *Value, name string, v *Value, p ir.Pos) {
	f.sinkAttrStore(obj, name, v, p)
}

// declared gives v the Java type it is declared with.
func (f *frame) declared(v *Value, typ string) *Value {
	if typ == "" || f.lang != ir.Java {
		return v
	}
	q := f.javaTypeName(typ)
	if isPrimitive(typ) {
		out := &Value{typ: typ}
		if v.isConst() {
			out.kind, out.c = kConst, v.c
		}
		if v.weak != nil {
			out.weak = v.weak
		}
		if typ[0] >= 'A' && typ[0] <= 'Z' {
			out.null = v.null // a boxed Integer may still be null
		}
		if typ == "char" {
			mixIn(out, v)
		}
		return out
	}
	if keepType(v.typ) || strings.Contains(v.typ, "SecureRandom") {
		return v
	}
	if v.typ == "" || strings.HasSuffix(v.typ, ")") && q != "java.lang.Object" && q != "Object" && q != "var" || v.kind == kUnknown && v.typ != q && !isStringType(q) {
		if isScalar(v) {
			c := *v
			c.typ = q
			return &c
		}
		if v.typ == "" || strings.HasSuffix(v.typ, ")") {
			v.typ = q
		}
	}
	return v
}

func isStringType(q string) bool { return q == "java.lang.String" || q == "String" }

func isPrimitive(t string) bool {
	switch t {
	case "int", "long", "short", "byte", "double", "float", "boolean", "char",
		"Integer", "Long", "Short", "Byte", "Double", "Float", "Boolean":
		return true
	}
	return false
}

// keepType tells call results whose origin matters more than their declared
// type: a response's writer is an HTML sink, a request's session a trust
// boundary.
func keepType(t string) bool {
	return strings.HasSuffix(t, "getWriter()") || strings.HasSuffix(t, "getOutputStream()") || strings.HasSuffix(t, "getSession()")
}
