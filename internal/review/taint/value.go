package taint

import (
	"fmt"
	"strconv"

	"github.com/tendhq/tend/internal/review/ir"
)

// Kind is a category of sink; a sanitizer neutralises taint for some kinds.
type Kind uint8

// Sink kinds.
const (
	SQL Kind = iota
	Path
	Cmd
	Code
	Deser
	LDAP
	XPath
	Redirect
	Trust
	XSS
	XML
	numKinds
)

// Mask is a set of Kinds.
type Mask uint32

const allKinds Mask = 1<<numKinds - 1

func bit(k Kind) Mask { return 1 << k }

// Step is one hop of a finding's path from source to sink.
type Step struct {
	File string
	Pos  ir.Pos
	Note string
}

// trace is where a value's taint came from: a linked list of steps, newest
// first, so extending it is cheap and shared prefixes are shared.
type trace struct {
	step Step
	prev *trace
	n    int
}

func (t *trace) with(s Step) *trace {
	if t == nil {
		return nil
	}
	if t.step.File == s.File && t.step.Pos == s.Pos {
		return t
	}
	return &trace{step: s, prev: t, n: t.n + 1}
}

// steps returns the path source first, at most max steps (the source and the last ones).
func (t *trace) steps(max int) []Step {
	var out []Step
	for c := t; c != nil; c = c.prev {
		out = append(out, c.step)
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	if len(out) > max && max > 1 {
		out = append(out[:1], out[len(out)-max+1:]...)
	}
	return out
}

type vkind uint8

const (
	kUnknown vkind = iota
	kConst
	kList   // list, tuple, set, array: elems (precise) or summary
	kDict   // keys (precise for constant keys) and summary
	kObject // an instance of a project class, or a modelled library object
	kModule
	kFunc
	kClass
)

// Value is the analysis's abstraction of a run-time value. Scalars are
// treated as immutable (operations make new ones); lists, dicts and objects
// are shared by pointer and mutated in place, as in the languages analysed.
type Value struct {
	kind  vkind
	c     any // constant: string, int64, float64, bool, nil; valid when kind == kConst
	taint *trace
	san   Mask // kinds for which taint is neutralised
	weak  *trace
	null  *trace // may be null (Java), with where the null came from

	elems   []*Value
	keys    map[string]*Value
	order   []string
	summary *Value // elements or values whose position or key is unknown
	loose   bool   // container whose exact contents are unknown

	typ    string // qualified name of the API that made it ("hashlib.md5()", "java.sql.Statement")
	fn     *fnRef
	class  *classRef
	modIR  *ir.Module // a project module (kModule); nil for a library module
	self   *Value     // bound method receiver
	method string     // name of the bound library method (typ is the receiver's)
	roots  []string
}

type fnRef struct {
	fn      *ir.Func
	mod     *ir.Module
	closure *env
}

type classRef struct {
	class *ir.Class
	mod   *ir.Module
	attrs map[string]*Value // class-level attributes
}

func unknown() *Value { return &Value{} }

func constant(c any) *Value { return &Value{kind: kConst, c: c} }

func (v *Value) isConst() bool { return v != nil && v.kind == kConst }

func (v *Value) str() (string, bool) {
	if v == nil || v.kind != kConst {
		return "", false
	}
	s, ok := v.c.(string)
	return s, ok
}

func (v *Value) int() (int64, bool) {
	if v == nil || v.kind != kConst {
		return 0, false
	}
	switch x := v.c.(type) {
	case int64:
		return x, true
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

// tainted reports whether v carries untrusted data not neutralised for k.
func (v *Value) tainted(k Kind) bool {
	return v != nil && v.taint != nil && v.san&bit(k) == 0
}

// deepTaint returns v's taint, looking into containers and objects (one level deep for objects).
func (v *Value) deepTaint(k Kind) *trace {
	return deepTaint(v, k, 0)
}

func deepTaint(v *Value, k Kind, depth int) *trace {
	if v == nil || depth > 4 {
		return nil
	}
	if v.tainted(k) {
		return v.taint
	}
	for _, e := range v.elems {
		if t := deepTaint(e, k, depth+1); t != nil {
			return t
		}
	}
	for _, key := range v.order {
		if t := deepTaint(v.keys[key], k, depth+1); t != nil {
			return t
		}
	}
	if v.summary != nil {
		return deepTaint(v.summary, k, depth+1)
	}
	return nil
}

func deepWeak(v *Value, depth int) *trace {
	if v == nil || depth > 4 {
		return nil
	}
	if v.weak != nil {
		return v.weak
	}
	for _, e := range v.elems {
		if t := deepWeak(e, depth+1); t != nil {
			return t
		}
	}
	if v.kind == kList || v.kind == kDict {
		for _, key := range v.order {
			if t := deepWeak(v.keys[key], depth+1); t != nil {
				return t
			}
		}
	}
	if v.summary != nil {
		return deepWeak(v.summary, depth+1)
	}
	return nil
}

// derived makes a new scalar whose taint is the union of the inputs'.
func derived(typ string, in ...*Value) *Value {
	out := &Value{typ: typ}
	mixIn(out, in...)
	return out
}

// mixIn adds the inputs' taint (including their elements') into out.
func mixIn(out *Value, in ...*Value) {
	for _, x := range in {
		if x == nil {
			continue
		}
		t, san := flatTaint(x, 0)
		if t != nil {
			if out.taint == nil {
				out.taint, out.san = t, san
			} else {
				out.san &= san
			}
		}
		if w := deepWeak(x, 0); w != nil && out.weak == nil {
			out.weak = w
		}
		out.roots = addRoots(out.roots, x.roots)
	}
}

// flatTaint is the taint of v and everything inside it, with the kinds it is
// neutralised for in every tainted part.
func flatTaint(v *Value, depth int) (*trace, Mask) {
	if v == nil || depth > 4 {
		return nil, allKinds
	}
	var t *trace
	san := allKinds
	if v.taint != nil {
		t, san = v.taint, v.san
	}
	if v.kind == kObject && v.class != nil {
		// a project object is tainted through its fields only when asked for them
		return t, san
	}
	visit := func(e *Value) {
		et, es := flatTaint(e, depth+1)
		if et != nil {
			if t == nil {
				t = et
				san = es
			} else {
				san &= es
			}
		}
	}
	for _, e := range v.elems {
		visit(e)
	}
	for _, k := range v.order {
		visit(v.keys[k])
	}
	if v.summary != nil {
		visit(v.summary)
	}
	return t, san
}

func addRoots(a, b []string) []string {
	for _, r := range b {
		found := false
		for _, x := range a {
			if x == r {
				found = true
				break
			}
		}
		if !found {
			if len(a) >= 8 {
				return a
			}
			a = append(a, r)
		}
	}
	return a
}

// clean returns a copy of a scalar with its taint removed for mask.
func sanitize(v *Value, m Mask) *Value {
	if v == nil {
		return nil
	}
	if v.kind == kList || v.kind == kDict || v.kind == kObject {
		if v.taint == nil {
			// sanitize elements is not modelled: treat a container as a whole
			out := derived(v.typ, v)
			out.san |= m
			return out
		}
	}
	c := *v
	c.san |= m
	return &c
}

// join is the value that may be either a or b.
func join(a, b *Value) *Value { return joinDepth(a, b, 0) }

func joinDepth(a, b *Value, depth int) *Value {
	if a == nil {
		return b
	}
	if b == nil || a == b {
		return a
	}
	out := &Value{}
	if a.kind == b.kind {
		out.kind = a.kind
	}
	if a.kind == kConst && b.kind == kConst && constEqual(a.c, b.c) {
		out.c = a.c
	} else if out.kind == kConst {
		out.kind = kUnknown
	}
	switch {
	case a.taint != nil && b.taint != nil:
		out.taint = a.taint
		if b.taint.n < a.taint.n && b.san == 0 {
			out.taint = b.taint
		}
		out.san = a.san & b.san
	case a.taint != nil:
		out.taint, out.san = a.taint, a.san
	case b.taint != nil:
		out.taint, out.san = b.taint, b.san
	}
	out.weak = a.weak
	if out.weak == nil {
		out.weak = b.weak
	}
	out.null = a.null
	if out.null == nil {
		out.null = b.null
	}
	if a.typ == b.typ {
		out.typ = a.typ
	} else if a.typ == "" {
		out.typ = b.typ
	} else if b.typ == "" || b.kind == kConst && b.c == nil {
		out.typ = a.typ
	} else if a.kind == kConst && a.c == nil {
		out.typ = b.typ
	}
	if a.fn == b.fn {
		out.fn = a.fn
	} else if a.fn == nil {
		out.fn = b.fn
	} else {
		out.fn = a.fn
	}
	if a.class == b.class {
		out.class = a.class
	} else if a.class == nil {
		out.class = b.class
	} else {
		out.class = a.class
	}
	if a.modIR == b.modIR {
		out.modIR = a.modIR
	}
	if a.self == b.self {
		out.self = a.self
	}
	if a.method == b.method {
		out.method = a.method
	}
	out.roots = addRoots(append([]string(nil), a.roots...), b.roots)
	if depth > 3 {
		if t, san := flatTaint(a, 0); t != nil && out.taint == nil {
			out.taint, out.san = t, san
		}
		if t, san := flatTaint(b, 0); t != nil && out.taint == nil {
			out.taint, out.san = t, san
		}
		return out
	}
	switch out.kind {
	case kList:
		if len(a.elems) == len(b.elems) && !a.loose && !b.loose {
			out.elems = make([]*Value, len(a.elems))
			for i := range a.elems {
				out.elems[i] = joinDepth(a.elems[i], b.elems[i], depth+1)
			}
		} else {
			out.loose = true
			var s *Value
			for _, e := range a.elems {
				s = joinDepth(s, e, depth+1)
			}
			for _, e := range b.elems {
				s = joinDepth(s, e, depth+1)
			}
			out.summary = s
		}
		if a.summary != nil || b.summary != nil {
			out.summary = joinDepth(out.summary, joinDepth(a.summary, b.summary, depth+1), depth+1)
		}
	case kDict, kObject:
		if len(a.order)+len(b.order) > 0 {
			out.keys = make(map[string]*Value, len(a.order)+len(b.order))
		}
		for _, k := range a.order {
			out.order = append(out.order, k)
			if bv, ok := b.keys[k]; ok {
				out.keys[k] = joinDepth(a.keys[k], bv, depth+1)
			} else {
				out.keys[k] = a.keys[k]
			}
		}
		for _, k := range b.order {
			if _, ok := a.keys[k]; !ok {
				out.order = append(out.order, k)
				out.keys[k] = b.keys[k]
			}
		}
		out.loose = a.loose || b.loose
		if a.summary != nil || b.summary != nil {
			out.summary = joinDepth(a.summary, b.summary, depth+1)
		}
	}
	return out
}

func constEqual(a, b any) bool {
	switch x := a.(type) {
	case int64:
		switch y := b.(type) {
		case int64:
			return x == y
		case float64:
			return float64(x) == y
		}
		return false
	case float64:
		switch y := b.(type) {
		case int64:
			return x == float64(y)
		case float64:
			return x == y
		}
		return false
	}
	return a == b
}

// keyOf is the map key for a constant used as a dict key or index.
func keyOf(v *Value) (string, bool) {
	if v == nil || v.kind != kConst {
		return "", false
	}
	switch x := v.c.(type) {
	case string:
		return "s:" + x, true
	case int64:
		return "i:" + strconv.FormatInt(x, 10), true
	case bool:
		if x {
			return "i:1", true
		}
		return "i:0", true
	case nil:
		return "n:", true
	case float64:
		return "f:" + strconv.FormatFloat(x, 'g', -1, 64), true
	}
	return fmt.Sprint(v.c), true
}

func newDict() *Value { return &Value{kind: kDict, keys: map[string]*Value{}} }

func (v *Value) setKey(k string, x *Value) {
	if v.keys == nil {
		v.keys = map[string]*Value{}
	}
	if _, ok := v.keys[k]; !ok {
		v.order = append(v.order, k)
	}
	v.keys[k] = x
}

func (v *Value) delKey(k string) {
	if _, ok := v.keys[k]; !ok {
		return
	}
	delete(v.keys, k)
	for i, o := range v.order {
		if o == k {
			v.order = append(v.order[:i:i], v.order[i+1:]...)
			break
		}
	}
}

// all is the join of every element or value of a container (nil when empty).
func (v *Value) all() *Value {
	if v == nil {
		return nil
	}
	var s *Value
	for _, e := range v.elems {
		s = join(s, e)
	}
	for _, k := range v.order {
		s = join(s, v.keys[k])
	}
	if v.summary != nil {
		s = join(s, v.summary)
	}
	return s
}

// truth is v's truth value when it is known.
func truth(v *Value) (bool, bool) {
	if v == nil {
		return false, false
	}
	switch v.kind {
	case kConst:
		switch x := v.c.(type) {
		case nil:
			return false, true
		case bool:
			return x, true
		case int64:
			return x != 0, true
		case float64:
			return x != 0, true
		case string:
			return x != "", true
		}
	case kList:
		if !v.loose && v.summary == nil {
			return len(v.elems) > 0, true
		}
	case kFunc, kClass, kModule:
		return true, true
	}
	return false, false
}

// deepCopy copies containers and objects so that a root's analysis does not
// change the module state other roots start from.
func deepCopy(v *Value, seen map[*Value]*Value) *Value {
	if v == nil {
		return nil
	}
	if v.kind != kList && v.kind != kDict && v.kind != kObject {
		return v
	}
	if c, ok := seen[v]; ok {
		return c
	}
	c := *v
	seen[v] = &c
	if v.elems != nil {
		c.elems = make([]*Value, len(v.elems))
		for i, e := range v.elems {
			c.elems[i] = deepCopy(e, seen)
		}
	}
	if v.keys != nil {
		c.keys = make(map[string]*Value, len(v.keys))
		for k, e := range v.keys {
			c.keys[k] = deepCopy(e, seen)
		}
		c.order = append([]string(nil), v.order...)
	}
	c.summary = deepCopy(v.summary, seen)
	return &c
}
