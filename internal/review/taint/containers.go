package taint

import (
	"strconv"
	"strings"

	"github.com/tendhq/tend/internal/review/ir"
)

// containerMethod models the methods of lists, dicts and strings (Python's
// and java.util's) precisely, so that reading a safe element of a list that
// also holds input is not a finding.
func (f *frame) containerMethod(s *callSite, recv *Value, name string) (*Value, bool) {
	switch recv.kind {
	case kList:
		return f.listMethod(s, recv, name)
	case kDict:
		return f.dictMethod(s, recv, name)
	case kConst:
		if str, ok := recv.c.(string); ok {
			return f.strMethod(s, recv, str, name)
		}
	}
	return nil, false
}

func (f *frame) listExtend(l, it *Value) {
	if it.kind == kList && !it.loose && !l.loose {
		l.elems = append(l.elems, it.elems...)
		return
	}
	l.summary = join(l.summary, f.iterElem(it))
	l.loose = true
}

func (f *frame) listMethod(s *callSite, l *Value, name string) (*Value, bool) {
	a0 := s.arg(0, "")
	switch name {
	case "append", "add", "push", "addLast", "offer":
		if name == "push" && f.lang == ir.Java && !strings.HasSuffix(l.typ, "Stack") {
			// Deque.push is addFirst (java.util.Stack pushes on the end)
			f.listInsert(l, constant(int64(0)), a0)
			return constant(nil), true
		}
		if name == "add" && len(s.args) == 2 && f.lang == ir.Java {
			// add(index, x)
			f.listInsert(l, s.args[0], s.args[1])
			return constant(nil), true
		}
		if a0 != nil {
			if l.typ == "set" || l.loose {
				l.loose = true
				l.summary = join(l.summary, a0)
			} else {
				l.elems = append(l.elems, a0)
			}
		}
		if f.lang == ir.Java {
			return &Value{typ: "boolean"}, true
		}
		return constant(nil), true
	case "addFirst", "push_front":
		f.listInsert(l, constant(int64(0)), a0)
		return constant(nil), true
	case "insert":
		if len(s.args) == 2 {
			f.listInsert(l, s.args[0], s.args[1])
		}
		return constant(nil), true
	case "extend", "addAll", "update":
		if a0 != nil {
			f.listExtend(l, a0)
		}
		return constant(nil), true
	case "pop", "remove", "removeFirst", "poll", "pollFirst", "removeLast", "pollLast":
		if f.lang == ir.Java && name == "remove" && a0 != nil {
			if _, isInt := a0.c.(int64); !(a0.isConst() && isInt) {
				// remove(Object)
				return f.listRemoveValue(l, a0), true
			}
		}
		if f.lang == ir.Python && name == "remove" {
			f.listRemoveValue(l, a0)
			return constant(nil), true
		}
		idx := a0
		if name == "pop" && idx == nil && (f.lang == ir.Python || strings.HasSuffix(l.typ, "Stack")) || name == "removeLast" || name == "pollLast" {
			idx = constant(int64(-1))
		}
		if name == "removeFirst" || name == "poll" || name == "pollFirst" || (f.lang == ir.Java && name == "pop" && !strings.HasSuffix(l.typ, "Stack")) {
			idx = constant(int64(0))
		}
		if n, ok := idx.int(); ok && !l.loose {
			if n < 0 {
				n += int64(len(l.elems))
			}
			if n >= 0 && n < int64(len(l.elems)) {
				v := l.elems[n]
				l.elems = append(l.elems[:n:n], l.elems[n+1:]...)
				return v, true
			}
		}
		l.loose = true
		l.summary = join(l.summary, l.all())
		l.elems = nil
		if l.summary == nil {
			return unknown(), true
		}
		return l.summary, true
	case "get", "elementAt", "peek", "getFirst", "getLast", "peekFirst", "peekLast", "element", "firstElement", "lastElement":
		if f.lang != ir.Java {
			return nil, false
		}
		idx := a0
		switch name {
		case "getFirst", "peek", "peekFirst", "element", "firstElement":
			idx = constant(int64(0))
			if name == "peek" && strings.HasSuffix(l.typ, "Stack") {
				idx = constant(int64(-1))
			}
		case "getLast", "peekLast", "lastElement":
			idx = constant(int64(-1))
		}
		return f.index(l, idx), true
	case "set":
		if len(s.args) == 2 {
			f.indexStore(l, s.args[0], s.args[1], s.c.Pos)
		}
		return unknown(), true
	case "clear":
		l.elems = nil
		l.summary = nil
		l.loose = false
		return constant(nil), true
	case "copy", "toArray", "clone", "subList", "stream", "iterator", "listIterator", "reversed", "sorted", "asList", "elements":
		c := &Value{kind: kList, typ: l.typ, elems: append([]*Value(nil), l.elems...), loose: l.loose, summary: l.summary}
		if name == "subList" || name == "iterator" || name == "stream" || name == "listIterator" || name == "elements" {
			c.loose = true
			c.summary = l.all()
			c.elems = nil
		}
		return c, true
	case "next", "nextElement", "findFirst", "orElse":
		if a := l.all(); a != nil {
			return a, true
		}
		return unknown(), true
	case "hasNext", "hasMoreElements", "isEmpty", "contains", "size", "len", "count", "index", "indexOf", "length", "containsAll", "equals":
		if name == "size" || name == "length" {
			if !l.loose {
				return constant(int64(len(l.elems))), true
			}
			return &Value{typ: "int"}, true
		}
		if name == "isEmpty" && !l.loose {
			return constant(len(l.elems) == 0), true
		}
		return &Value{typ: "bool"}, true
	case "reverse":
		for i, j := 0, len(l.elems)-1; i < j; i, j = i+1, j-1 {
			l.elems[i], l.elems[j] = l.elems[j], l.elems[i]
		}
		return constant(nil), true
	case "sort":
		if len(l.elems) > 1 {
			l.summary = join(l.summary, l.all())
			l.elems = nil
			l.loose = true
		}
		return constant(nil), true
	case "join":
		// Java String.join is a static call; "".join is on strings
		return nil, false
	case "getlist":
		return nil, false
	}
	return nil, false
}

func (f *frame) listInsert(l, idx, v *Value) {
	if n, ok := idx.int(); ok && !l.loose {
		if n < 0 {
			n += int64(len(l.elems))
		}
		if n < 0 {
			n = 0
		}
		if n > int64(len(l.elems)) {
			n = int64(len(l.elems))
		}
		l.elems = append(l.elems[:n], append([]*Value{v}, l.elems[n:]...)...)
		return
	}
	l.loose = true
	l.summary = join(l.summary, v)
}

func (f *frame) listRemoveValue(l, x *Value) *Value {
	if x != nil && x.isConst() && !l.loose {
		for i, el := range l.elems {
			if el.isConst() && constEqual(el.c, x.c) {
				l.elems = append(l.elems[:i:i], l.elems[i+1:]...)
				return constant(true)
			}
			if !el.isConst() {
				break
			}
		}
	}
	return &Value{typ: "bool"}
}

func (f *frame) dictMethod(s *callSite, d *Value, name string) (*Value, bool) {
	a0 := s.arg(0, "")
	switch name {
	case "get", "getOrDefault", "getProperty", "getAttribute", "__getitem__":
		if a0 == nil {
			return unknown(), true
		}
		def := s.arg(1, "")
		if k, ok := keyOf(a0); ok {
			if v, ok := d.keys[k]; ok {
				return v, true
			}
			if !d.loose && d.summary == nil && d.taint == nil {
				if def != nil {
					return def, true
				}
				return f.missing(name, s), true
			}
		}
		out := d.all()
		if d.taint != nil {
			out = join(out, &Value{taint: d.taint, san: d.san})
		}
		if def != nil {
			out = join(out, def)
		} else if f.lang == ir.Java && name == "get" {
			out = join(out, f.missing(name, s))
		}
		if out == nil {
			out = unknown()
		}
		return out, true
	case "put", "setdefault", "setProperty", "setAttribute", "__setitem__", "putIfAbsent":
		if len(s.args) < 2 {
			return constant(nil), true
		}
		var old *Value
		if k, ok := keyOf(a0); ok {
			old = d.keys[k]
			if name == "setdefault" || name == "putIfAbsent" {
				if old != nil {
					return old, true
				}
			}
			d.setKey(k, s.args[1])
		} else {
			d.loose = true
			d.summary = join(d.summary, s.args[1])
			mixIn(d, a0) // keys from input
			d.taint = nil
			if t, _ := flatTaint(a0, 0); t != nil {
				d.summary = join(d.summary, &Value{taint: t})
			}
		}
		if name == "setdefault" {
			return s.args[1], true
		}
		if old == nil {
			return constant(nil), true
		}
		return old, true
	case "update", "putAll":
		if a0 != nil && a0.kind == kDict {
			for _, k := range a0.order {
				d.setKey(k, a0.keys[k])
			}
			if a0.loose {
				d.loose = true
				d.summary = join(d.summary, a0.summary)
			}
		} else if a0 != nil {
			d.loose = true
			d.summary = join(d.summary, derived("", a0))
		}
		for k, v := range s.kw {
			d.setKey("s:"+k, v)
		}
		return constant(nil), true
	case "pop", "remove":
		if k, ok := keyOf(a0); ok {
			if v, ok := d.keys[k]; ok {
				d.delKey(k)
				return v, true
			}
			if def := s.arg(1, ""); def != nil && !d.loose {
				return def, true
			}
		}
		out := d.all()
		if out == nil {
			out = unknown()
		}
		return out, true
	case "keys", "keySet":
		l := &Value{kind: kList, typ: "list"}
		for _, k := range d.order {
			if strings.HasPrefix(k, "s:") {
				l.elems = append(l.elems, constant(k[2:]))
			} else if strings.HasPrefix(k, "i:") {
				n, _ := strconv.ParseInt(k[2:], 10, 64)
				l.elems = append(l.elems, constant(n))
			}
		}
		if d.loose || d.taint != nil {
			l.loose = true
			l.summary = join(l.all(), &Value{taint: d.taint, san: d.san})
			l.elems = nil
		}
		return l, true
	case "values", "elements":
		l := &Value{kind: kList, typ: "list"}
		for _, k := range d.order {
			l.elems = append(l.elems, d.keys[k])
		}
		if d.loose || d.taint != nil {
			l.loose = true
			l.summary = join(l.all(), d.summary)
			if d.taint != nil {
				l.summary = join(l.summary, &Value{taint: d.taint, san: d.san})
			}
			l.elems = nil
		}
		return l, true
	case "items", "entrySet":
		l := &Value{kind: kList, typ: "list", loose: true}
		var all *Value
		for _, k := range d.order {
			all = join(all, d.keys[k])
		}
		all = join(all, d.summary)
		pair := &Value{kind: kList, typ: "tuple", elems: []*Value{unknown(), orUnknown(all)}}
		l.summary = pair
		return l, true
	case "containsKey", "__contains__", "has_key", "isEmpty", "size", "containsValue":
		if name == "containsKey" || name == "__contains__" {
			if r, ok := contains(d, orUnknown(a0)); ok {
				return constant(r), true
			}
		}
		return &Value{typ: "bool"}, true
	case "copy", "clone":
		c := *d
		c.keys = map[string]*Value{}
		for k, v := range d.keys {
			c.keys[k] = v
		}
		c.order = append([]string(nil), d.order...)
		return &c, true
	case "clear":
		d.keys = map[string]*Value{}
		d.order = nil
		d.summary = nil
		d.loose = false
		return constant(nil), true
	}
	return nil, false
}

func orUnknown(v *Value) *Value {
	if v == nil {
		return unknown()
	}
	return v
}

// missing is what a lookup of an absent key returns: None in Python, null in Java.
func (f *frame) missing(name string, s *callSite) *Value {
	v := constant(nil)
	if f.lang == ir.Java {
		v = unknown()
		v.null = &trace{step: Step{File: f.mod.Path, Pos: s.c.Pos, Note: "Map." + name + " returns null for a missing key"}}
	}
	return v
}

// strMethod folds string methods on constants.
func (f *frame) strMethod(s *callSite, recv *Value, str, name string) (*Value, bool) {
	strArg := func(i int) (string, bool) {
		v := s.arg(i, "")
		if v == nil {
			return "", false
		}
		return v.str()
	}
	allConst := true
	for _, a := range s.all() {
		if !a.isConst() && !(a.kind == kList && !a.loose) {
			allConst = false
		}
	}
	if len(str) > maxConst {
		return derived("str", append([]*Value{recv}, s.all()...)...), true
	}
	switch name {
	case "lower", "toLowerCase", "casefold":
		return constant(strings.ToLower(str)), true
	case "upper", "toUpperCase":
		return constant(strings.ToUpper(str)), true
	case "strip", "trim":
		if len(s.args) == 0 {
			return constant(strings.TrimSpace(str)), true
		}
		if c, ok := strArg(0); ok {
			return constant(strings.Trim(str, c)), true
		}
	case "lstrip":
		if len(s.args) == 0 {
			return constant(strings.TrimLeft(str, " \t\n\r")), true
		}
	case "rstrip":
		if len(s.args) == 0 {
			return constant(strings.TrimRight(str, " \t\n\r")), true
		}
	case "encode", "decode", "toString", "intern", "getBytes", "toCharArray":
		if name == "toCharArray" || name == "getBytes" {
			return &Value{kind: kConst, c: str, typ: "bytes"}, true
		}
		return constant(str), true
	case "replace", "replaceAll":
		a, ok1 := strArg(0)
		b, ok2 := strArg(1)
		if ok1 && ok2 && name == "replace" && len(b) <= 64 {
			return constant(strings.ReplaceAll(str, a, b)), true
		}
		if !allConst {
			return derived("str", s.all()...), true
		}
	case "startswith", "startsWith":
		if a, ok := strArg(0); ok {
			return constant(strings.HasPrefix(str, a)), true
		}
	case "endswith", "endsWith":
		if a, ok := strArg(0); ok {
			return constant(strings.HasSuffix(str, a)), true
		}
	case "find", "indexOf":
		if a, ok := strArg(0); ok {
			return constant(int64(strings.Index(str, a))), true
		}
	case "contains":
		if a, ok := strArg(0); ok {
			return constant(strings.Contains(str, a)), true
		}
	case "equals":
		if a := s.arg(0, ""); a != nil && a.isConst() {
			return constant(constEqual(str, a.c)), true
		}
		return &Value{typ: "boolean"}, true
	case "equalsIgnoreCase":
		if a, ok := strArg(0); ok {
			return constant(strings.EqualFold(str, a)), true
		}
	case "isEmpty":
		return constant(str == ""), true
	case "length", "__len__":
		return constant(int64(len(str))), true
	case "charAt":
		if v := s.arg(0, ""); v != nil {
			if n, ok := v.int(); ok && n >= 0 && n < int64(len(str)) {
				return constant(str[n : n+1]), true
			}
		}
	case "substring":
		lo, ok1 := s.arg(0, "").int()
		hi := int64(len(str))
		ok2 := true
		if len(s.args) > 1 {
			hi, ok2 = s.args[1].int()
		}
		if ok1 && ok2 && lo >= 0 && lo <= hi && hi <= int64(len(str)) {
			return constant(str[lo:hi]), true
		}
	case "split":
		if len(s.args) == 0 {
			return constList(strings.Fields(str)), true
		}
		if a, ok := strArg(0); ok && a != "" && f.lang == ir.Python {
			return constList(strings.Split(str, a)), true
		}
	case "join":
		if it := s.arg(0, ""); it != nil {
			if it.kind == kList && !it.loose {
				var parts []string
				ok := true
				for _, el := range it.elems {
					x, isC := constString(el)
					if !isC {
						ok = false
						break
					}
					parts = append(parts, x)
				}
				if ok {
					return constant(strings.Join(parts, str)), true
				}
			}
			return derived("str", recv, f.iterElem(it)), true
		}
	case "format":
		if allConst {
			return constant(pyFormat(str, s)), true
		}
		return derived("str", s.all()...), true
	case "isalnum", "isalpha", "isdigit", "isnumeric", "isdecimal", "isspace", "isupper", "islower", "isidentifier":
		return &Value{typ: "bool"}, true
	}
	if !allConst {
		return derived("str", append([]*Value{recv}, s.all()...)...), true
	}
	return &Value{typ: "str"}, true
}

func constList(ss []string) *Value {
	l := &Value{kind: kList, typ: "list"}
	for _, x := range ss {
		l.elems = append(l.elems, constant(x))
	}
	return l
}

// pyFormat implements the common cases of str.format with constant arguments.
func pyFormat(tmpl string, s *callSite) string {
	var sb strings.Builder
	auto := 0
	for i := 0; i < len(tmpl); i++ {
		c := tmpl[i]
		if c == '{' && i+1 < len(tmpl) && tmpl[i+1] == '{' {
			sb.WriteByte('{')
			i++
			continue
		}
		if c == '}' && i+1 < len(tmpl) && tmpl[i+1] == '}' {
			sb.WriteByte('}')
			i++
			continue
		}
		if c != '{' {
			sb.WriteByte(c)
			continue
		}
		j := strings.IndexByte(tmpl[i:], '}')
		if j < 0 {
			sb.WriteString(tmpl[i:])
			break
		}
		field := tmpl[i+1 : i+j]
		if k := strings.IndexAny(field, "!:"); k >= 0 {
			field = field[:k]
		}
		var v *Value
		if field == "" {
			v = s.arg(auto, "")
			auto++
		} else if n, err := strconv.Atoi(field); err == nil {
			v = s.arg(n, "")
		} else {
			v = s.arg(-1, field)
		}
		if x, ok := constString(v); ok {
			sb.WriteString(x)
		}
		i += j
	}
	return sb.String()
}
