package taint

import (
	"regexp"
	"sort"
	"strings"

	"github.com/tendhq/tend/internal/review/ir"
	"github.com/tendhq/tend/internal/review/rule"
)

// This file models how Flask, Django and FastAPI applications receive
// their input and end a request: the parameters a framework fills from the
// URL, the annotations FastAPI converts them with, the calls that never
// return (abort), the checks that make a redirect target local, and what a
// route's return value becomes (HTML in Flask, JSON in FastAPI).

// pyParam is a Python root's parameter as a web framework fills it, when
// it does: a Django view's URL keyword arguments are untrusted text; a
// route parameter FastAPI converts to a number, a UUID or a date, or one a
// Flask converter (<int:id>) matched, carries no text.
func (f *frame) pyParam(fn *ir.Func, p ir.Param) (*Value, bool) {
	if f.lang != ir.Python || p.Name == "self" || p.Name == "cls" {
		return nil, false
	}
	if dependency(p) {
		// FastAPI's Depends(...) / Security(...): the application's own
		// object, not the request's text
		return unknown(), true
	}
	if isRouteHandler(fn) {
		fastapi := f.w.a.moduleImports(f.mod, "fastapi")
		if t := convertedRouteParam(fn, p, fastapi); t != "" {
			return &Value{typ: t}, true
		}
		if fastapi && choiceAnnotation(f.mod, p.Type) {
			// Literal["asc", "desc"] or an Enum: FastAPI refuses any
			// other value
			return &Value{typ: "str"}, true
		}
		return nil, false
	}
	if flaskViewMethod(fn) && (f.w.a.moduleImports(f.mod, "flask") || f.w.a.moduleImports(f.mod, "flask_restful") || f.w.a.moduleImports(f.mod, "flask_restx")) {
		if t := convertedRouteParam(fn, p, false); t != "" {
			return &Value{typ: t}, true
		}
		return f.source("str", "route parameter "+p.Name, fn.Pos), true
	}
	if p.Name == "request" || !djangoView(fn) || !f.w.a.webModule(f.mod) {
		return nil, false
	}
	if !f.w.a.moduleImports(f.mod, "django") && !f.w.a.moduleImports(f.mod, "rest_framework") {
		return nil, false
	}
	v := &Value{typ: "str"}
	if p.DStar {
		v.typ = ""
	}
	v.taint = &trace{step: Step{File: f.mod.Path, Pos: fn.Pos, Note: "URL parameter " + p.Name}}
	switch f.w.a.djangoURLParam(fn, p.Name) {
	case "int":
		return &Value{typ: "int"}, true
	case "uuid":
		return &Value{typ: "uuid"}, true
	case "slug":
		// [-a-zA-Z0-9_]+: no metacharacter of any injection, but a
		// redirect to it still goes where it says
		return sanitize(v, charChecked), true
	}
	return v, true
}

// djangoView reports whether fn takes the request first (after self): a
// Django function view, or a class-based view's get/post/… method, whose
// further parameters are the URL pattern's captured values.
func djangoView(fn *ir.Func) bool {
	ps := fn.Params
	if fn.Class != nil && len(ps) > 0 && ps[0].Name == "self" {
		if !httpVerbs[fn.Name] {
			return false
		}
		ps = ps[1:]
	}
	return len(ps) > 1 && ps[0].Name == "request"
}

// flaskViewMethod reports whether fn is a get/post/… method of a Flask
// class-based view (MethodView, View) or a Flask-RESTful/RESTX Resource,
// which add_url_rule / add_resource call with the route's variables.
func flaskViewMethod(fn *ir.Func) bool {
	if fn.Class == nil || !httpVerbs[fn.Name] {
		return false
	}
	for _, b := range fn.Class.Bases {
		t := exprText(b)
		if t == "MethodView" || strings.HasSuffix(t, ".MethodView") || t == "views.View" || t == "flask.views.View" ||
			t == "Resource" || strings.HasSuffix(t, ".Resource") {
			return true
		}
	}
	return false
}

// dependency reports whether p's default is FastAPI's Depends(...) or
// Security(...).
func dependency(p ir.Param) bool {
	c, ok := p.Default.(*ir.Call)
	if !ok {
		return false
	}
	t := exprText(c.Fn)
	return t == "Depends" || t == "Security" || strings.HasSuffix(t, ".Depends") || strings.HasSuffix(t, ".Security")
}

var httpVerbs = map[string]bool{"get": true, "post": true, "put": true, "patch": true, "delete": true, "head": true, "options": true,
	// Django REST framework ViewSet actions
	"list": true, "retrieve": true, "create": true, "update": true, "partial_update": true, "destroy": true}

// scalarAnnotations are parameter types FastAPI (pydantic) converts the
// request's text to, refusing the request when it does not parse.
var scalarAnnotations = map[string]string{
	"int": "int", "float": "float", "bool": "bool", "UUID": "uuid", "uuid.UUID": "uuid", "datetime": "datetime",
	"datetime.datetime": "datetime", "date": "datetime", "datetime.date": "datetime", "Decimal": "float",
	"decimal.Decimal": "float", "PositiveInt": "int", "NonNegativeInt": "int", "conint": "int", "confloat": "float",
}

var flaskConverter = regexp.MustCompile(`<(int|float|uuid):(\w+)>`)

// convertedRouteParam is the type a route parameter arrives as when the
// framework converted it from text ("" when it is text).
func convertedRouteParam(fn *ir.Func, p ir.Param, fastapi bool) string {
	if fastapi && p.Type != "" {
		t := strings.TrimSpace(p.Type)
		t = strings.TrimSuffix(strings.TrimSuffix(t, "| None"), " ")
		t = strings.TrimPrefix(t, "None |")
		t = strings.TrimSpace(t)
		if strings.HasPrefix(t, "Optional[") && strings.HasSuffix(t, "]") {
			t = t[len("Optional[") : len(t)-1]
		}
		if i := strings.IndexByte(t, '('); i > 0 {
			t = t[:i] // conint(gt=0)
		}
		if s, ok := scalarAnnotations[t]; ok {
			return s
		}
	}
	for _, d := range fn.Decorators {
		c, ok := d.(*ir.Call)
		if !ok || len(c.Args) == 0 {
			continue
		}
		k, ok := c.Args[0].(*ir.Const)
		if !ok {
			continue
		}
		s, _ := k.Value.(string)
		for _, m := range flaskConverter.FindAllStringSubmatch(s, -1) {
			if m[2] == p.Name {
				if m[1] == "uuid" {
					return "uuid"
				}
				return m[1]
			}
		}
	}
	return ""
}

// moduleImports reports whether m imports the package root (or a module
// under it).
func (a *analyzer) moduleImports(m *ir.Module, root string) bool {
	found := false
	for _, s := range m.Body {
		forEachNested(s, func(s ir.Stmt) {
			if im, ok := s.(*ir.Import); ok && (im.Module == root || strings.HasPrefix(im.Module, root+".")) {
				found = true
			}
		})
		if found {
			return true
		}
	}
	return false
}

// noReturn are library functions that end the request or the process by
// raising (abort(404), sys.exit()): the statements after them do not run.
var noReturn = map[string]bool{
	"flask.abort": true, "werkzeug.exceptions.abort": true, "quart.abort": true, "bottle.abort": true,
	"sys.exit": true, "os._exit": true, "exit": true, "quit": true, "pyramid.httpexceptions.exception_response": true,
}

// pyNoReturn reports whether the expression statement x is a call that
// never returns.
func (f *frame) pyNoReturn(x ir.Expr, e *env) bool {
	c, ok := x.(*ir.Call)
	if !ok || f.lang != ir.Python {
		return false
	}
	switch fn := c.Fn.(type) {
	case *ir.Name:
		if fn.ID != "abort" && fn.ID != "exit" && fn.ID != "quit" {
			return false
		}
	case *ir.Attr:
		if fn.Name != "abort" && fn.Name != "exit" && fn.Name != "_exit" {
			return false
		}
	default:
		return false
	}
	return noReturn[f.eval(c.Fn, e).typ]
}

// pyHTMLRoute reports whether the handler being interpreted sends a
// returned string as HTML: Flask and Bottle do; FastAPI serialises it as
// JSON unless the route's response_class is an HTMLResponse.
func (f *frame) pyHTMLRoute() bool {
	if f.fn == nil || !isRouteHandler(f.fn) {
		return false
	}
	if !f.w.a.moduleImports(f.mod, "fastapi") {
		return true
	}
	for _, d := range f.fn.Decorators {
		c, ok := d.(*ir.Call)
		if !ok {
			continue
		}
		for _, k := range c.Kw {
			if k.Name == "response_class" && strings.Contains(exprText(k.Value), "HTML") {
				return true
			}
		}
	}
	return false
}

func exprText(x ir.Expr) string {
	switch x := x.(type) {
	case *ir.Name:
		return x.ID
	case *ir.Attr:
		return exprText(x.X) + "." + x.Name
	}
	return ""
}

// localURLChecks are predicates that hold only for a URL on an allowed
// host (or a relative one).
var localURLChecks = map[string]bool{
	"django.utils.http.url_has_allowed_host_and_scheme": true, "django.utils.http.is_safe_url": true,
}

// pyRefineCall narrows e on the branch where a Python predicate call
// evaluated to outcome.
func (f *frame) pyRefineCall(t *ir.Call, e *env, outcome bool) {
	if !outcome || len(t.Args) == 0 {
		return
	}
	name, recv := callName(t)
	if name == "is_relative_to" && recv != nil {
		// Path(base, x).resolve().is_relative_to(base): inside base
		if strings.HasPrefix(f.eval(recv, e).typ, "pathlib.") {
			f.validateFor(recv, e, bit(Path))
		}
		return
	}
	if name != "url_has_allowed_host_and_scheme" && name != "is_safe_url" {
		return
	}
	if localURLChecks[f.eval(t.Fn, e).typ] {
		f.validateFor(t.Args[0], e, bit(Redirect))
	}
}

// pyRefineAttr narrows e on the branch where an attribute was truthy
// (outcome) or not: a parsed URL without a network location is relative,
// so the text it was parsed from is a local redirect target.
func (f *frame) pyRefineAttr(t *ir.Attr, e *env, outcome bool) {
	if outcome || t.Name != "netloc" {
		return
	}
	v := f.eval(t.X, e)
	if strings.Contains(v.typ, "urlparse") || strings.Contains(v.typ, "urlsplit") {
		f.validateFor(t.X, e, bit(Redirect))
	}
}

// pyFrameworkCall models framework calls by qualified name; ok is false
// when q is not one of them.
func (f *frame) pyFrameworkCall(q string, s *callSite) (*Value, bool) {
	if i := lastDot(q); i > 0 && (q[i+1:] == "update" || q[i+1:] == "setdefault") && isSession(q[:i]) {
		// flask.session.update(theme=name)
		f.sinkHit(Trust, rule.PyTrustBoundary, q, s.c.Pos, s.all()...)
		return constant(nil), true
	}
	switch q {
	case "flask.make_response", "flask.Response", "werkzeug.wrappers.Response", "flask.wrappers.Response":
		// the body is the first argument, or the first element of a
		// (body, status, headers) tuple; headers are not HTML. Flask sends
		// text as text/html unless told otherwise.
		body := s.arg(0, "response")
		if body != nil && body.kind == kList && !body.loose && len(body.elems) > 0 {
			body = body.elems[0]
		}
		if body != nil && isHTMLBody(body) && htmlMimetype(s) {
			f.sinkHit(XSS, rule.PyXSS, q, s.c.Pos, body)
		}
		out := derived(q+"()", body)
		out.kind = kObject
		return out, true
	case "starlette.responses.Response", "fastapi.responses.Response", "fastapi.Response":
		// Response(content, status_code, headers, media_type)
		if mt := s.arg(3, "media_type"); mt != nil && mimeHTML(mt) {
			if _, ok := mt.str(); ok {
				f.sinkHit(XSS, rule.PyXSS, q, s.c.Pos, s.arg(0, "content"))
			}
		}
		out := derived(q+"()", s.all()...)
		out.kind = kObject
		return out, true
	case "django.http.HttpResponse":
		// HttpResponse(content, content_type=None, ...): HTML unless the
		// content type says otherwise
		ct := s.arg(1, "content_type")
		html := ct == nil || mimeHTML(ct)
		if html {
			f.sinkHit(XSS, rule.PyXSS, q, s.c.Pos, s.arg(0, "content"))
		}
		out := derived(q+"()", s.all()...)
		out.kind = kObject
		if !html {
			out.setKey("\x00text", constant(true))
		}
		return out, true
	case "torch.load", "numpy.load":
		// pickle underneath, unless weights_only=True / allow_pickle=False (numpy's default)
		kw, unsafe := "weights_only", true
		if q == "numpy.load" {
			kw, unsafe = "allow_pickle", false
		}
		if v := s.arg(-1, kw); v != nil {
			if b, ok := truth(v); ok {
				unsafe = b == (q == "numpy.load")
			}
		}
		if unsafe {
			f.sinkHit(Deser, rule.PyDeserialization, q, s.c.Pos, s.arg(0, "f"), s.arg(0, "file"))
		}
		return derived(q+"()", s.all()...), true
	case "django.shortcuts.get_object_or_404", "django.shortcuts.get_list_or_404", "flask_sqlalchemy.SQLAlchemy.get_or_404":
		return &Value{kind: kObject, typ: q + "()"}, true
	case "django.utils.html.format_html":
		// the arguments are escaped into the template
		var args []*Value
		if len(s.args) > 1 {
			args = s.args[1:]
		}
		for _, v := range s.kw {
			args = append(args, v)
		}
		out := sanitize(derived("str", args...), bit(XSS))
		return derived("str", s.arg(0, "format_string"), out), true
	case "locals", "vars":
		if len(s.args) > 0 || s.e == nil {
			return nil, false
		}
		// the function's own variables, as a dict
		d := newDict()
		d.typ = "dict"
		names := make([]string, 0, len(s.e.vars))
		for n := range s.e.vars {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			d.setKey("s:"+n, s.e.vars[n])
		}
		return d, true
	}
	return nil, false
}

// htmlMimetype reports whether a response is made without a mimetype or
// content type other than HTML.
func htmlMimetype(s *callSite) bool {
	for _, k := range []string{"mimetype", "content_type"} {
		if v := s.arg(-1, k); v != nil && !mimeHTML(v) {
			return false
		}
	}
	return true
}

// mimeHTML reports whether a content type may be rendered as a document
// that runs script (HTML, XHTML, SVG, XML), or is not known.
func mimeHTML(v *Value) bool {
	t, ok := v.str()
	if !ok {
		return true
	}
	t = strings.ToLower(t)
	return strings.Contains(t, "html") || strings.Contains(t, "svg") || strings.Contains(t, "xml")
}

// pyHTMLBody reports whether a route's returned value is sent as HTML: a
// string, a response made from one, or text read straight from the
// request (request.form["x"], request.args.get("x")) — not its JSON.
func pyHTMLBody(v *Value) bool {
	if isHTMLBody(v) {
		return true
	}
	if v.kind != kUnknown || !strings.HasPrefix(v.typ, "flask.request.") {
		return false
	}
	for _, part := range []string{".args", ".form", ".values", ".headers", ".cookies", ".data", ".get_data"} {
		if strings.HasPrefix(v.typ[len("flask.request"):], part) {
			return true
		}
	}
	return false
}

// pyFrameworkMethod models framework methods by name and receiver; ok is
// false when it is not one of them.
func (f *frame) pyFrameworkMethod(s *callSite, recv *Value, name string) (*Value, bool) {
	if dbRowMethods[name] && dbQuery(recv) {
		return &Value{typ: recv.typ + "." + name + "()"}, true
	}
	switch name {
	case "parse_args":
		// Flask-RESTful / RESTX reqparse: the request's arguments
		if strings.Contains(recv.typ, "reqparse") || strings.Contains(recv.typ, "RequestParser") {
			out := f.source("", "RequestParser.parse_args()", s.c.Pos)
			return out, true
		}
	case "TemplateResponse", "render", "render_to_string":
		// Starlette's Jinja2Templates, Django's template.render: an
		// autoescaping template engine renders the values
		if strings.Contains(recv.typ, "Jinja2Templates") || strings.Contains(recv.typ, "django.template") {
			return sanitize(derived(recv.typ+"."+name+"()", s.all()...), bit(XSS)), true
		}
	case "format":
		if strings.HasSuffix(recv.typ, "Markup()") {
			// Markup.format escapes its arguments
			out := sanitize(derived("str", s.all()...), bit(XSS))
			return derived("markupsafe.Markup()", recv, out), true
		}
	case "fetch", "fetchrow", "fetchval", "fetch_all", "fetch_one", "fetch_val", "exec_driver_sql", "executemany":
		// asyncpg / databases / SQLAlchemy: the first argument is SQL text
		if name == "exec_driver_sql" || strings.Contains(recv.typ, "asyncpg") || strings.Contains(recv.typ, "databases") {
			f.sinkHit(SQL, rule.PySQLInjection, name, s.c.Pos, s.arg(0, "query"))
		}
	case "from_string":
		// Jinja2: a template made from untrusted text runs its expressions
		// on the server; a sandboxed environment's does not
		if strings.HasPrefix(recv.typ, "jinja2.Environment") || strings.HasPrefix(recv.typ, "jinja2.environment.Environment") {
			f.sinkHit(Code, rule.PyCodeInjection, "Environment.from_string", s.c.Pos, s.arg(0, "source"))
		}
	case "set_signed_cookie":
		if sec := s.arg(-1, "secure"); sec == nil {
			f.flag(rule.PyInsecureCookie, "set_signed_cookie without secure=True", s.c.Pos)
		} else if b, ok := truth(sec); ok && !b {
			f.flag(rule.PyInsecureCookie, "set_signed_cookie(secure=False)", s.c.Pos)
		}
	case "update", "setdefault":
		// session.update(user=name), session.setdefault("k", v)
		if isSession(recv.typ) {
			vals := append([]*Value(nil), s.all()...)
			f.sinkHit(Trust, rule.PyTrustBoundary, "session."+name, s.c.Pos, vals...)
		}
	case "get":
		if t := s.arg(-1, "type"); t != nil && strings.HasPrefix(recv.typ, "flask.request.") {
			// request.args.get("id", type=int): werkzeug converts, and
			// answers the default when the text does not parse
			if n, ok := pyClean[t.typ]; ok && (n == "int" || n == "float" || n == "bool") {
				return &Value{typ: n}, true
			}
		}
		if recv.kind != kDict && recv.keys == nil && recv.taint != nil {
			// one entry of a mapping (a parsed JSON body, request.GET): a
			// check of the entry says nothing of the others, so the
			// mapping is not among the variables the entry is made from
			out := derived(q(recv, name), append([]*Value{recv}, s.all()...)...)
			out.roots = nil
			return out, true
		}
	case "write":
		// response.write(html) on a Django HttpResponse made for HTML
		if strings.HasPrefix(recv.typ, "django.http.HttpResponse") && (recv.keys == nil || recv.keys["\x00text"] == nil) {
			f.sinkHit(XSS, rule.PyXSS, "HttpResponse.write", s.c.Pos, s.arg(0, "content"))
		}
	case "save":
		// werkzeug FileStorage.save(dst): an uploaded file written where
		// the destination says
		if strings.HasPrefix(recv.typ, "flask.request.files") {
			f.sinkHit(Path, rule.PyPathTraversal, "FileStorage.save", s.c.Pos, s.arg(0, "dst"))
			return constant(nil), true
		}
	case "extra":
		// QuerySet.extra(where=[...], select={...}, tables=[...], order_by=[...]) is SQL text
		if strings.Contains(recv.typ, "objects") {
			var vals []*Value
			for _, k := range []string{"select", "where", "tables", "order_by"} {
				if v := s.arg(-1, k); v != nil {
					vals = append(vals, v)
				}
			}
			if len(s.args) > 0 {
				vals = append(vals, s.args[0])
			}
			if len(s.args) > 1 {
				vals = append(vals, s.args[1])
			}
			f.sinkHit(SQL, rule.PySQLInjection, "QuerySet.extra", s.c.Pos, vals...)
		}
	}
	return nil, false
}

// pyFrameworkAttr models attributes read from framework values: the last
// part of a pathlib path (Path(x).name) names no directory.
func pyFrameworkAttr(v *Value) *Value {
	if v.taint != nil && (strings.HasPrefix(v.typ, "pathlib.") && strings.HasSuffix(v.typ, ".name")) {
		return sanitize(v, bit(Path))
	}
	return v
}

func q(recv *Value, name string) string {
	if recv.typ == "" {
		return "()"
	}
	return recv.typ + "." + name + "()"
}

// redirectTarget is the IR of a redirect call's target argument.
func redirectTarget(s *callSite) ir.Expr {
	for _, k := range s.c.Kw {
		if k.Name == "url" || k.Name == "location" || k.Name == "redirect_to" || k.Name == "to" {
			return k.Value
		}
	}
	if len(s.c.Args) > 0 {
		return s.c.Args[0]
	}
	return nil
}

// constPrefix is the literal text an expression's string starts with: of
// an f-string, a concatenation, a %-format or a str.format template.
func constPrefix(x ir.Expr) string {
	switch x := x.(type) {
	case *ir.Const:
		s, _ := x.Value.(string)
		return s
	case *ir.Concat:
		if len(x.Parts) > 0 {
			if c, ok := x.Parts[0].(*ir.Const); ok {
				s, _ := c.Value.(string)
				return s
			}
		}
	case *ir.Binary:
		switch x.Op {
		case "+":
			return constPrefix(x.X)
		case "%":
			p := constPrefix(x.X)
			if i := strings.IndexByte(p, '%'); i >= 0 {
				p = p[:i]
			}
			return p
		}
	case *ir.Call:
		if at, ok := x.Fn.(*ir.Attr); ok && at.Name == "format" {
			p := constPrefix(at.X)
			if i := strings.IndexByte(p, '{'); i >= 0 {
				p = p[:i]
			}
			return p
		}
	}
	return ""
}

var fixedOrigin = regexp.MustCompile(`^(/[^/\\]|https?://[^/\\?#@]+[/?#])`)

// localRedirect reports whether a redirect's target starts with a literal
// path of this site (/users/…) or a literal origin (https://host/…): what
// follows cannot change where the browser goes.
func localRedirect(s *callSite) bool {
	x := redirectTarget(s)
	return x != nil && fixedOrigin.MatchString(constPrefix(x))
}

// dbRowMethods return rows a query read from the database: their values
// are the database's, not the request's text the query was filtered by.
var dbRowMethods = map[string]bool{
	"first": true, "one": true, "one_or_none": true, "all": true, "scalar": true, "scalar_one": true,
	"scalar_one_or_none": true, "first_or_404": true, "get_or_404": true, "one_or_404": true, "fetchone": true,
	"fetchall": true, "fetchmany": true, "values_list": true, "count": true, "exists": true, "latest": true, "earliest": true,
}

// dbQuery reports whether a receiver is a query: a SQLAlchemy Model.query
// or session.query(...), a Django manager or QuerySet.
func dbQuery(recv *Value) bool {
	t := recv.typ
	return strings.Contains(t, ".query") || strings.Contains(t, ".objects") || strings.Contains(t, "session.execute") ||
		strings.Contains(t, ".scalars")
}

// djangoViewBases are class-based view bases whose instances hold the
// request (self.request) and the URL's keyword arguments (self.kwargs).
var djangoViewBases = map[string]bool{
	"View": true, "TemplateView": true, "ListView": true, "DetailView": true, "FormView": true, "CreateView": true,
	"UpdateView": true, "DeleteView": true, "RedirectView": true, "APIView": true, "GenericAPIView": true,
	"ViewSet": true, "ModelViewSet": true, "ReadOnlyModelViewSet": true, "GenericViewSet": true, "ListAPIView": true,
	"RetrieveAPIView": true, "ListCreateAPIView": true, "RetrieveUpdateDestroyAPIView": true, "CreateAPIView": true,
}

// pySelf fills self for a root method of a Django or DRF class-based
// view: self.request is the request, self.kwargs and self.args the URL's.
func (f *frame) pySelf(c *ir.Class, self *Value) {
	if c == nil || self == nil || !f.w.a.webModule(f.mod) {
		return
	}
	if !f.w.a.moduleImports(f.mod, "django") && !f.w.a.moduleImports(f.mod, "rest_framework") {
		return
	}
	view := false
	for _, b := range c.Bases {
		t := exprText(b)
		if i := strings.LastIndexByte(t, '.'); i >= 0 {
			t = t[i+1:]
		}
		if djangoViewBases[t] {
			view = true
		}
	}
	if !view {
		return
	}
	req := f.source("django.request", "request", c.Pos)
	self.setKey("request", req)
	self.setKey("kwargs", f.source("", "URL parameters", c.Pos))
	self.setKey("args", f.source("", "URL parameters", c.Pos))
}

var djangoConverter = regexp.MustCompile(`<(int|slug|uuid|str|path):(\w+)>`)

// djangoURLParam is the converter a Django URL pattern of the project
// (path("<int:pk>/", views.detail)) gives a view's parameter: "int" and
// "uuid" arrive converted, "slug" is letters, digits, - and _; "" when no
// pattern names the view or one passes it text.
func (a *analyzer) djangoURLParam(fn *ir.Func, param string) string {
	if a.urlConverters == nil {
		a.urlConverters = map[string]map[string]string{}
		for _, m := range a.p.mods {
			if m.Lang != ir.Python {
				continue
			}
			for _, s := range m.Body {
				if as, ok := s.(*ir.Assign); ok {
					a.collectURLPatterns(as.Value)
				}
			}
		}
	}
	name := fn.Name
	if fn.Class != nil {
		name = fn.Class.Name
	}
	return a.urlConverters[name][param]
}

// collectURLPatterns records path()/re_path() calls in a urlpatterns list.
func (a *analyzer) collectURLPatterns(x ir.Expr) {
	switch x := x.(type) {
	case *ir.Seq:
		for _, el := range x.Elts {
			a.collectURLPatterns(el)
		}
	case *ir.Binary:
		a.collectURLPatterns(x.X)
		a.collectURLPatterns(x.Y)
	case *ir.Call:
		n := exprText(x.Fn)
		if n != "path" && !strings.HasSuffix(n, ".path") || len(x.Args) < 2 {
			return
		}
		route, ok := x.Args[0].(*ir.Const)
		if !ok {
			return
		}
		text, _ := route.Value.(string)
		view := x.Args[1]
		if c, ok := view.(*ir.Call); ok { // SomeView.as_view()
			if at, ok := c.Fn.(*ir.Attr); ok && at.Name == "as_view" {
				view = at.X
			}
		}
		vn := exprText(view)
		if i := strings.LastIndexByte(vn, '.'); i >= 0 {
			vn = vn[i+1:]
		}
		if vn == "" {
			return
		}
		for _, m := range djangoConverter.FindAllStringSubmatch(text, -1) {
			conv := m[1]
			if conv == "str" || conv == "path" {
				conv = ""
			}
			params := a.urlConverters[vn]
			if params == nil {
				params = map[string]string{}
				a.urlConverters[vn] = params
			}
			if old, seen := params[m[2]]; seen && old != conv {
				conv = "" // two patterns disagree: the weaker holds
			}
			params[m[2]] = conv
		}
	}
}

// choiceAnnotation reports whether a parameter's annotation admits only
// fixed values: Literal[...] or an Enum class of the module.
func choiceAnnotation(m *ir.Module, t string) bool {
	t = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(t), "| None"))
	if strings.HasPrefix(t, "Optional[") && strings.HasSuffix(t, "]") {
		t = t[len("Optional[") : len(t)-1]
	}
	if strings.HasPrefix(t, "Literal[") || strings.HasPrefix(t, "typing.Literal[") {
		return true
	}
	if t == "" {
		return false
	}
	for _, s := range m.Body {
		cd, ok := s.(*ir.ClassDef)
		if !ok || cd.Class == nil || cd.Class.Name != t {
			continue
		}
		for _, b := range cd.Class.Bases {
			if strings.HasSuffix(exprText(b), "Enum") {
				return true
			}
		}
	}
	return false
}
