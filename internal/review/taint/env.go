package taint

import "strings"

// env maps names to values in one scope; lookups fall back to parent (the
// enclosing function for a closure, then the module).
type env struct {
	vars   map[string]*Value
	parent *env
	// tmpl is a module's state as its top level left it, shared by every
	// root: a module env reads through to it and copies a container the
	// first time it is read, so one root's writes never reach another.
	tmpl map[string]*Value
	seen map[*Value]*Value
}

func newEnv(parent *env) *env { return &env{vars: map[string]*Value{}, parent: parent} }

func (e *env) lookup(name string) (*Value, bool) {
	for s := e; s != nil; s = s.parent {
		if v, ok := s.get(name); ok {
			return v, true
		}
	}
	return nil, false
}

// get reads one scope (not its parents).
func (e *env) get(name string) (*Value, bool) {
	if v, ok := e.vars[name]; ok {
		return v, true
	}
	if e.tmpl != nil {
		if v, ok := e.tmpl[name]; ok {
			if !isScalar(v) && v.kind != kFunc && v.kind != kModule && v.kind != kClass {
				v = deepCopy(v, e.seen)
			}
			e.vars[name] = v
			return v, true
		}
	}
	return nil, false
}

// clone copies the local scope for a branch; parents are shared.
func (e *env) clone() *env {
	c := &env{vars: make(map[string]*Value, len(e.vars)), parent: e.parent, tmpl: e.tmpl, seen: e.seen}
	for k, v := range e.vars {
		c.vars[k] = v
	}
	return c
}

// merge is the scope after two paths meet; nil is an unreachable path.
func merge(a, b *env) *env {
	if a == nil {
		return b
	}
	if b == nil {
		return a
	}
	out := &env{vars: make(map[string]*Value, len(a.vars)), parent: a.parent, tmpl: a.tmpl, seen: a.seen}
	for k, av := range a.vars {
		if bv, ok := b.vars[k]; ok {
			out.vars[k] = join(av, bv)
		} else if !strings.HasPrefix(k, factPrefix) {
			out.vars[k] = av
		}
	}
	for k, bv := range b.vars {
		if _, ok := a.vars[k]; !ok && !strings.HasPrefix(k, factPrefix) {
			out.vars[k] = bv
		}
	}
	return out
}

// widen is merge for a loop head: values that changed become their join, so
// a second pass over the body sees both.
func widen(before, after *env) *env { return merge(before, after) }
