package taint

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/tendhq/tend/internal/review/ir"
)

// refine narrows e for the branch where test evaluated to outcome: a value
// checked against an allow-list, a pattern, or for dangerous substrings is
// safe on the branch where the check passed, and a value compared with null
// is not null on the branch where it is not.
func (f *frame) refine(test ir.Expr, e *env, outcome bool) *env {
	switch t := test.(type) {
	case *ir.Unary:
		if t.Op == "not" || t.Op == "!" {
			return f.refine(t.X, e, !outcome)
		}
	case *ir.Binary:
		switch t.Op {
		case "and", "&&":
			if outcome {
				e = f.refine(t.X, e, true)
				return f.refine(t.Y, e, true)
			}
			// not (a and b): a failed, or a held and b failed
			return mergeInto(e, f.refine(t.X, e.clone(), false), f.refine(t.Y, f.refine(t.X, e.clone(), true), false))
		case "or", "||":
			if !outcome {
				e = f.refine(t.X, e, false)
				return f.refine(t.Y, e, false)
			}
			// a or b: a held, or a failed and b held
			return mergeInto(e, f.refine(t.X, e.clone(), true), f.refine(t.Y, f.refine(t.X, e.clone(), false), true))
		case "==", "!=", "is", "is not":
			eq := t.Op == "==" || t.Op == "is"
			if isNull(t.Y) || isNull(t.X) {
				subj := t.X
				if isNull(t.X) {
					subj = t.Y
				}
				if eq != outcome { // subj != null on this branch
					f.markNonNull(subj, e)
				}
				return e
			}
			// x == "literal": on the equal branch x is that literal
			if eq == outcome {
				if c, ok := t.Y.(*ir.Const); ok {
					if _, isStr := c.Value.(string); isStr {
						f.validate(t.X, e)
					}
				} else if c, ok := t.X.(*ir.Const); ok {
					if _, isStr := c.Value.(string); isStr {
						f.validate(t.Y, e)
					}
				}
			}
			return e
		case "in", "not in":
			pos := (t.Op == "in") == outcome // on this branch "X in Y" holds
			y := f.eval(t.Y, e)
			if pos && isConstCollection(y) {
				if singleChars(y) {
					f.validateFor(t.X, e, charChecked)
				} else {
					f.validate(t.X, e) // allow-list
				}
				return e
			}
			if !pos {
				if _, ok := t.X.(*ir.Const); ok {
					f.validate(t.Y, e) // a forbidden substring is absent
				}
			}
			return e
		case "instanceof":
			if outcome {
				f.markNonNull(t.X, e)
			}
			return e
		}
	case *ir.Call:
		if f.lang == ir.Python {
			f.pyRefineCall(t, e, outcome)
		}
		name, recv := callName(t)
		switch name {
		case "isalnum", "isalpha", "isdigit", "isdecimal", "isnumeric", "isidentifier":
			if outcome && recv != nil {
				f.validateFor(recv, e, charChecked)
			}
		case "startswith", "endswith", "startsWith", "endsWith", "matches", "equals", "equalsIgnoreCase":
			if (name == "startsWith" || name == "endsWith") && f.lang == ir.Java {
				// a prefix or suffix says nothing of the rest of the text
				// ("abc/../../etc/passwd".startsWith("abc"), "//evil".startsWith("/"))
				return e
			}
			if name == "matches" && f.lang == ir.Java && len(t.Args) == 1 {
				// String.matches(regex) validates when the regex admits
				// only word characters
				if pat, ok := f.eval(t.Args[0], e).str(); outcome && recv != nil && ok && restrictiveRegex(pat) {
					f.validate(recv, e)
				}
				return e
			}
			if outcome && recv != nil {
				f.validate(recv, e)
				if (name == "equals" || name == "equalsIgnoreCase") && len(t.Args) == 1 {
					if _, ok := recv.(*ir.Const); ok {
						f.validate(t.Args[0], e)
					}
				}
			}
		case "contains", "containsKey":
			if name == "containsKey" && outcome && recv != nil && len(t.Args) == 1 && f.lang == ir.Java {
				// map.containsKey(k): map.get(k) finds it
				if key, ok := callFact(&ir.Attr{X: recv, Name: "get"}, t.Args); ok {
					e.vars[key] = constant(true)
				}
			}
			if recv != nil && len(t.Args) == 1 {
				rv := f.eval(recv, e)
				if outcome && isConstCollection(rv) {
					f.validate(t.Args[0], e)
				} else if !outcome {
					if _, ok := t.Args[0].(*ir.Const); ok {
						f.validate(recv, e)
					}
				}
			}
		case "match", "fullmatch", "search":
			// re.match(pattern, value)
			if outcome && len(t.Args) >= 2 {
				if at, ok := t.Fn.(*ir.Attr); ok {
					if n, ok := at.X.(*ir.Name); ok && n.ID == "re" {
						f.validate(t.Args[1], e)
					}
				}
			}
		case "isinstance":
			return e
		case "isNotEmpty", "isNotBlank", "hasText", "hasLength", "isEmpty", "isBlank", "isNullOrEmpty":
			// StringUtils.isNotEmpty(s), Strings.isNullOrEmpty(s): null-safe
			// checks; s is not null where it is not empty
			notEmpty := name == "isNotEmpty" || name == "isNotBlank" || name == "hasText" || name == "hasLength"
			if f.lang == ir.Java && len(t.Args) == 1 && outcome == notEmpty {
				f.markNonNull(t.Args[0], e)
			}
		}
		if outcome && f.lang == ir.Python && len(t.Args) == 1 {
			// a project predicate such as is_safe(x) / valid_name(x)
			if n, ok := t.Fn.(*ir.Name); ok && isValidatorName(n.ID) {
				f.validate(t.Args[0], e)
			}
		}
	case *ir.Name:
		if outcome {
			f.markNonNull(t, e)
		}
	case *ir.Attr:
		if f.lang == ir.Python {
			f.pyRefineAttr(t, e, outcome)
		}
	}
	return e
}

func isValidatorName(n string) bool {
	l := strings.ToLower(n)
	return strings.HasPrefix(l, "is_valid") || strings.HasPrefix(l, "is_safe") || strings.HasPrefix(l, "valid")
}

func isNull(x ir.Expr) bool {
	c, ok := x.(*ir.Const)
	return ok && c.Value == nil
}

func isConstCollection(v *Value) bool {
	switch v.kind {
	case kList:
		if v.loose && (v.typ == "set" || v.typ == "frozenset") && v.taint == nil && v.summary != nil {
			// a set literal of constants: its elements are not kept in order
			return v.summary.taint == nil && v.summary.kind != kList && v.summary.kind != kDict
		}
		if v.loose || v.taint != nil {
			return false
		}
		for _, e := range v.elems {
			if !e.isConst() {
				return false
			}
		}
		return true
	case kDict:
		return !v.loose && v.taint == nil
	case kConst:
		_, ok := v.c.(string)
		return ok // x in "abc": x is a substring of a literal
	}
	return false
}

func callName(c *ir.Call) (string, ir.Expr) {
	switch fn := c.Fn.(type) {
	case *ir.Attr:
		return fn.Name, fn.X
	case *ir.Name:
		return fn.ID, nil
	}
	return "", nil
}

// validate marks the variables that x reads from as checked: their taint is
// neutralised for every sink kind except trust boundaries (checked data is
// still the client's).
func (f *frame) validate(x ir.Expr, e *env) { f.validateFor(x, e, checked) }

// checked is what a check of a value makes it safe for: every injection,
// but not the session (checked data is still the client's).
const checked = allKinds &^ (1 << Trust)

// charChecked is what a check of characters (isalnum, membership in a set
// of single characters) makes a value safe for: no metacharacter can be
// left, but a URL made of such characters still goes where it says.
const charChecked = checked &^ (1 << Redirect)

func (f *frame) validateFor(x ir.Expr, e *env, m Mask) {
	v := f.eval(x, e)
	if v.taint == nil || isNumeric(v) || v.typ == "int" || v.typ == "bool" {
		return
	}
	for _, n := range exprRoots(x) {
		f.sanitizeVar(n, e, m, 0)
	}
}

func (f *frame) sanitizeVar(name string, e *env, m Mask, depth int) {
	v, ok := e.lookup(name)
	if !ok || v.taint == nil || depth > 3 {
		return
	}
	if v.san&m == m {
		return
	}
	nv := sanitize(v, m)
	e.vars[name] = nv
	for _, r := range v.roots {
		if r != name {
			f.sanitizeVar(r, e, m, depth+1)
		}
	}
}

// singleChars reports whether v is a constant collection of one-character strings.
func singleChars(v *Value) bool {
	if v.kind != kList || v.loose || len(v.elems) == 0 {
		return false
	}
	for _, e := range v.elems {
		s, ok := e.str()
		if !ok || len([]rune(s)) != 1 {
			return false
		}
	}
	return true
}

// exprRoots are the variables an expression's value is made from, through
// attributes, subscripts and conversions such as str(p).
func exprRoots(x ir.Expr) []string {
	switch x := x.(type) {
	case *ir.Name:
		return []string{x.ID}
	case *ir.Attr:
		return exprRoots(x.X)
	case *ir.Index:
		return exprRoots(x.X)
	case *ir.Slice:
		return exprRoots(x.X)
	case *ir.Cast:
		return exprRoots(x.X)
	case *ir.Call:
		if at, ok := x.Fn.(*ir.Attr); ok {
			switch at.Name {
			case "lower", "upper", "strip", "lstrip", "rstrip", "casefold", "toLowerCase", "toUpperCase", "trim", "resolve", "normalize", "toString", "getHost", "getPath":
				return exprRoots(at.X)
			}
		}
		name, _ := callName(x)
		if len(x.Args) >= 1 {
			switch name {
			case "str", "repr", "normpath", "abspath", "realpath", "urlparse", "urlsplit", "Path", "PurePath",
				"unquote", "unquote_plus", "URI", "create", "get", "of":
				return exprRoots(x.Args[0])
			}
		}
	}
	return nil
}

func (f *frame) markNonNull(x ir.Expr, e *env) {
	if a, ok := x.(*ir.AssignExpr); ok {
		x = a.Target
	}
	if c, ok := x.(*ir.Call); ok && f.lang == ir.Java {
		// map.get(k) != null: the same call again returns the same
		if key, ok := callFact(c.Fn, c.Args); ok {
			e.vars[key] = constant(true)
		}
		return
	}
	n, ok := x.(*ir.Name)
	if !ok {
		if a, ok := x.(*ir.Attr); ok && f.lang == ir.Java {
			// this.field != null
			if tn, ok := a.X.(*ir.Name); ok && tn.ID == "this" && f.self != nil {
				if v, ok := f.self.keys[a.Name]; ok && v.null != nil {
					c := *v
					c.null = nil
					f.self.setKey(a.Name, &c)
				}
			}
		}
		return
	}
	v, ok := e.lookup(n.ID)
	if !ok {
		if f.self != nil {
			if v, ok := f.self.keys[n.ID]; ok && v.null != nil {
				c := *v
				c.null = nil
				f.self.setKey(n.ID, &c)
			}
		}
		return
	}
	if v.null == nil {
		return
	}
	if isScalar(v) {
		c := *v
		c.null = nil
		e.vars[n.ID] = &c
	} else {
		e.vars[n.ID] = withoutNull(v)
	}
}

func withoutNull(v *Value) *Value {
	c := *v
	c.null = nil
	return &c
}

// mergeInto sets e's variables to what they are on either of two refined
// copies of it (a variable is safe only if it is safe on both).
func mergeInto(e, a, b *env) *env {
	m := merge(a, b)
	for k, v := range m.vars {
		if old, ok := e.vars[k]; !ok || old != v {
			e.vars[k] = v
		}
	}
	return e
}

// factPrefix marks an env entry that records a check of a call, not a
// variable.
const factPrefix = "\x00nonnull:"

// callFact names a call made of plain names and constants
// (map.get(k), request.getParameter("x")) so that a check of it can be
// found when the same call is made again.
func callFact(fn ir.Expr, args []ir.Expr) (string, bool) {
	recv, ok := plainExpr(fn)
	if !ok {
		return "", false
	}
	parts := make([]string, 0, len(args))
	for _, a := range args {
		s, ok := plainExpr(a)
		if !ok {
			return "", false
		}
		parts = append(parts, s)
	}
	return factPrefix + recv + "(" + strings.Join(parts, ",") + ")", true
}

func plainExpr(x ir.Expr) (string, bool) {
	switch x := x.(type) {
	case *ir.Name:
		return x.ID, true
	case *ir.Attr:
		s, ok := plainExpr(x.X)
		return s + "." + x.Name, ok
	case *ir.Const:
		if s, ok := x.Value.(string); ok {
			return strconv.Quote(s), true
		}
		return fmt.Sprint(x.Value), true
	}
	return "", false
}
