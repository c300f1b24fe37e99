package taint

import (
	"strings"

	"github.com/tendhq/tend/internal/review/ir"
	"github.com/tendhq/tend/internal/review/rule"
)

// sinkSpec says which arguments of a call must not carry taint.
type sinkSpec struct {
	kind Kind
	rule string
	args []int    // positions
	kws  []string // keyword names
	recv bool     // the receiver itself (pathlib.Path(...).read_text())
}

func sk(k Kind, r string, args ...int) sinkSpec { return sinkSpec{kind: k, rule: r, args: args} }

// pySinks are library functions by qualified name.
var pySinks = map[string]sinkSpec{
	// SQL
	"sqlalchemy.text":                          sk(SQL, rule.PySQLInjection, 0),
	"sqlalchemy.sql.text":                      sk(SQL, rule.PySQLInjection, 0),
	"sqlalchemy.sql.expression.text":           sk(SQL, rule.PySQLInjection, 0),
	"pandas.read_sql":                          sk(SQL, rule.PySQLInjection, 0),
	"pandas.read_sql_query":                    sk(SQL, rule.PySQLInjection, 0),
	"sqlalchemy.literal_column":                sk(SQL, rule.PySQLInjection, 0),
	"sqlalchemy.sql.literal_column":            sk(SQL, rule.PySQLInjection, 0),
	"sqlalchemy.sql.expression.literal_column": sk(SQL, rule.PySQLInjection, 0),
	// files
	"open":                      {kind: Path, rule: rule.PyPathTraversal, args: []int{0}, kws: []string{"file"}},
	"io.open":                   sk(Path, rule.PyPathTraversal, 0),
	"codecs.open":               sk(Path, rule.PyPathTraversal, 0),
	"os.open":                   sk(Path, rule.PyPathTraversal, 0),
	"os.remove":                 sk(Path, rule.PyPathTraversal, 0),
	"os.unlink":                 sk(Path, rule.PyPathTraversal, 0),
	"os.rmdir":                  sk(Path, rule.PyPathTraversal, 0),
	"os.mkdir":                  sk(Path, rule.PyPathTraversal, 0),
	"os.makedirs":               sk(Path, rule.PyPathTraversal, 0),
	"os.listdir":                sk(Path, rule.PyPathTraversal, 0),
	"os.scandir":                sk(Path, rule.PyPathTraversal, 0),
	"os.stat":                   sk(Path, rule.PyPathTraversal, 0),
	"os.chmod":                  sk(Path, rule.PyPathTraversal, 0),
	"os.rename":                 sk(Path, rule.PyPathTraversal, 0, 1),
	"os.replace":                sk(Path, rule.PyPathTraversal, 0, 1),
	"os.path.exists":            sk(Path, rule.PyPathTraversal, 0),
	"os.path.isfile":            sk(Path, rule.PyPathTraversal, 0),
	"os.path.isdir":             sk(Path, rule.PyPathTraversal, 0),
	"os.path.getsize":           sk(Path, rule.PyPathTraversal, 0),
	"shutil.copy":               sk(Path, rule.PyPathTraversal, 0, 1),
	"shutil.copyfile":           sk(Path, rule.PyPathTraversal, 0, 1),
	"shutil.copy2":              sk(Path, rule.PyPathTraversal, 0, 1),
	"shutil.move":               sk(Path, rule.PyPathTraversal, 0, 1),
	"shutil.rmtree":             sk(Path, rule.PyPathTraversal, 0),
	"flask.send_file":           sk(Path, rule.PyPathTraversal, 0),
	"tarfile.open":              sk(Path, rule.PyPathTraversal, 0),
	"zipfile.ZipFile":           sk(Path, rule.PyPathTraversal, 0),
	"fileinput.input":           sk(Path, rule.PyPathTraversal, 0),
	"linecache.getline":         sk(Path, rule.PyPathTraversal, 0),
	"aiofiles.open":             sk(Path, rule.PyPathTraversal, 0),
	"shutil.unpack_archive":     sk(Path, rule.PyPathTraversal, 0, 1),
	"flask.send_from_directory": sk(Path, rule.PyPathTraversal, 0),
	// code
	"eval":          sk(Code, rule.PyCodeInjection, 0),
	"exec":          sk(Code, rule.PyCodeInjection, 0),
	"compile":       sk(Code, rule.PyCodeInjection, 0),
	"builtins.eval": sk(Code, rule.PyCodeInjection, 0),
	"builtins.exec": sk(Code, rule.PyCodeInjection, 0),
	// a template whose source is untrusted runs the sender's expressions on
	// the server (server-side template injection); a sandboxed environment's
	// templates do not
	"jinja2.Template": sk(Code, rule.PyCodeInjection, 0),
	// deserialization
	"pickle.loads":         sk(Deser, rule.PyDeserialization, 0),
	"pickle.load":          sk(Deser, rule.PyDeserialization, 0),
	"_pickle.loads":        sk(Deser, rule.PyDeserialization, 0),
	"cPickle.loads":        sk(Deser, rule.PyDeserialization, 0),
	"dill.loads":           sk(Deser, rule.PyDeserialization, 0),
	"marshal.loads":        sk(Deser, rule.PyDeserialization, 0),
	"jsonpickle.decode":    sk(Deser, rule.PyDeserialization, 0),
	"pandas.read_pickle":   sk(Deser, rule.PyDeserialization, 0),
	"yaml.unsafe_load":     sk(Deser, rule.PyDeserialization, 0),
	"yaml.unsafe_load_all": sk(Deser, rule.PyDeserialization, 0),
	"shelve.open":          sk(Deser, rule.PyDeserialization, 0),
	"joblib.load":          sk(Deser, rule.PyDeserialization, 0),
	"marshal.load":         sk(Deser, rule.PyDeserialization, 0),
	"dill.load":            sk(Deser, rule.PyDeserialization, 0),
	"pickle.Unpickler":     sk(Deser, rule.PyDeserialization, 0),
	// XPath
	"lxml.etree.XPath":        sk(XPath, rule.PyXPathInjection, 0),
	"lxml.etree.ETXPath":      sk(XPath, rule.PyXPathInjection, 0),
	"elementpath.select":      sk(XPath, rule.PyXPathInjection, 1),
	"elementpath.iter_select": sk(XPath, rule.PyXPathInjection, 1),
	// redirects
	"flask.redirect":                            sk(Redirect, rule.PyOpenRedirect, 0),
	"werkzeug.utils.redirect":                   sk(Redirect, rule.PyOpenRedirect, 0),
	"django.shortcuts.redirect":                 sk(Redirect, rule.PyOpenRedirect, 0),
	"django.http.HttpResponseRedirect":          sk(Redirect, rule.PyOpenRedirect, 0),
	"django.http.HttpResponsePermanentRedirect": sk(Redirect, rule.PyOpenRedirect, 0),
	"fastapi.responses.RedirectResponse":        {kind: Redirect, rule: rule.PyOpenRedirect, args: []int{0}, kws: []string{"url"}},
	"starlette.responses.RedirectResponse":      {kind: Redirect, rule: rule.PyOpenRedirect, args: []int{0}, kws: []string{"url"}},
	// XSS
	"flask.render_template_string":      sk(XSS, rule.PyXSS, 0),
	"markupsafe.Markup":                 sk(XSS, rule.PyXSS, 0),
	"flask.Markup":                      sk(XSS, rule.PyXSS, 0),
	"jinja2.Markup":                     sk(XSS, rule.PyXSS, 0),
	"django.utils.safestring.mark_safe": sk(XSS, rule.PyXSS, 0),
	"fastapi.responses.HTMLResponse":    {kind: XSS, rule: rule.PyXSS, args: []int{0}, kws: []string{"content"}},
	"starlette.responses.HTMLResponse":  {kind: XSS, rule: rule.PyXSS, args: []int{0}, kws: []string{"content"}},
	// files sent by path
	"fastapi.responses.FileResponse":   {kind: Path, rule: rule.PyPathTraversal, args: []int{0}, kws: []string{"path"}},
	"starlette.responses.FileResponse": {kind: Path, rule: rule.PyPathTraversal, args: []int{0}, kws: []string{"path"}},
	// SQL text in Django expressions
	"django.db.models.expressions.RawSQL": {kind: SQL, rule: rule.PySQLInjection, args: []int{0}, kws: []string{"sql"}},
	"django.db.models.RawSQL":             {kind: SQL, rule: rule.PySQLInjection, args: []int{0}, kws: []string{"sql"}},
	// commands with a shell
	"os.system":                  sk(Cmd, rule.PyCommandInj, 0),
	"os.popen":                   sk(Cmd, rule.PyCommandInj, 0),
	"subprocess.getoutput":       sk(Cmd, rule.PyCommandInj, 0),
	"subprocess.getstatusoutput": sk(Cmd, rule.PyCommandInj, 0),
	"commands.getoutput":         sk(Cmd, rule.PyCommandInj, 0),
}

// subprocess functions whose first argument is a program and its arguments.
var pyProcess = map[string]bool{
	"subprocess.run": true, "subprocess.call": true, "subprocess.Popen": true, "subprocess.check_output": true,
	"subprocess.check_call": true, "os.execv": true, "os.execvp": true, "os.execve": true, "os.execl": true,
	"os.execlp": true, "os.spawnv": true, "os.spawnl": true, "os.spawnlp": true, "os.spawnvp": true,
	"asyncio.create_subprocess_exec": true, "asyncio.create_subprocess_shell": true,
}

var shells = map[string]bool{"sh": true, "bash": true, "zsh": true, "dash": true, "ksh": true, "/bin/sh": true, "/bin/bash": true,
	"/usr/bin/sh": true, "/usr/bin/bash": true, "cmd": true, "cmd.exe": true, "powershell": true, "powershell.exe": true, "pwsh": true}

// pySanitizers neutralise taint for the kinds given.
var pySanitizers = map[string]Mask{
	"os.path.basename":                     bit(Path),
	"posixpath.basename":                   bit(Path),
	"ntpath.basename":                      bit(Path),
	"werkzeug.utils.secure_filename":       bit(Path) | bit(Cmd),
	"werkzeug.secure_filename":             bit(Path) | bit(Cmd),
	"html.escape":                          bit(XSS),
	"cgi.escape":                           bit(XSS),
	"markupsafe.escape":                    bit(XSS),
	"flask.escape":                         bit(XSS),
	"jinja2.escape":                        bit(XSS),
	"bleach.clean":                         bit(XSS),
	"django.utils.html.escape":             bit(XSS),
	"django.utils.html.conditional_escape": bit(XSS),
	"xml.sax.saxutils.escape":              bit(XSS),
	"shlex.quote":                          bit(Cmd),
	"pipes.quote":                          bit(Cmd),
	"ldap3.utils.conv.escape_filter_chars": bit(LDAP),
	"ldap.filter.escape_filter_chars":      bit(LDAP),
	"ldap3.utils.dn.escape_rdn":            bit(LDAP),
	// parsed addresses print as digits, dots, colons and a prefix length
	"ipaddress.ip_address":        checked,
	"ipaddress.ip_network":        checked,
	"ipaddress.ip_interface":      checked,
	"ipaddress.IPv4Address":       checked,
	"ipaddress.IPv6Address":       checked,
	"ipaddress.IPv4Network":       checked,
	"ipaddress.IPv6Network":       checked,
	"werkzeug.security.safe_join": bit(Path),
	"werkzeug.utils.safe_join":    bit(Path),
	"flask.safe_join":             bit(Path),
	"flask.helpers.safe_join":     bit(Path),
	"django.utils._os.safe_join":  bit(Path),
	"urllib.parse.quote":          bit(XSS) | bit(Cmd) | bit(SQL) | bit(LDAP) | bit(XPath),
	"urllib.parse.quote_plus":     bit(XSS) | bit(Cmd) | bit(SQL) | bit(LDAP) | bit(XPath) | bit(Path),
	"json.dumps":                  0,
	// templates rendered with autoescaping (Flask, Django, Starlette)
	"flask.render_template":                   bit(XSS),
	"django.template.loader.render_to_string": bit(XSS),
	// SQL composed with quoted identifiers and literals
	"psycopg2.sql.Identifier": bit(SQL),
	"psycopg2.sql.Literal":    bit(SQL),
	"psycopg.sql.Identifier":  bit(SQL),
	"psycopg.sql.Literal":     bit(SQL),
	// URLs of the application's own routes
	"flask.url_for":                bit(Redirect),
	"flask.helpers.url_for":        bit(Redirect),
	"django.urls.reverse":          bit(Redirect),
	"django.shortcuts.resolve_url": bit(Redirect),
}

// pyClean returns values that carry no injectable text.
var pyClean = map[string]string{
	"int": "int", "float": "float", "bool": "bool", "len": "int", "ord": "int", "hash": "int", "id": "int",
	"abs": "int", "round": "int", "isinstance": "bool", "hasattr": "bool", "callable": "bool", "issubclass": "bool",
	"uuid.uuid4": "uuid", "uuid.UUID": "uuid", "time.time": "float", "datetime.datetime.now": "datetime",
	"os.path.exists": "bool", "os.path.isfile": "bool", "os.path.isdir": "bool", "os.path.getsize": "int",
	"secrets.token_hex": "str", "secrets.token_urlsafe": "str", "secrets.token_bytes": "bytes", "secrets.randbelow": "int",
	"secrets.randbits": "int", "secrets.choice": "str", "os.urandom": "bytes", "print": "none", "platform.system": "str",
	"re.escape": "str",
}

var weakRandom = map[string]bool{
	"random": true, "randint": true, "randrange": true, "choice": true, "choices": true, "getrandbits": true,
	"randbytes": true, "uniform": true, "normalvariate": true, "gauss": true, "sample": true, "triangular": true,
	"betavariate": true, "expovariate": true, "lognormvariate": true, "vonmisesvariate": true, "paretovariate": true,
	"weibullvariate": true, "gammavariate": true, "shuffle": true, "binomialvariate": true,
}

// library marks values read from library names that are sources.
func (f *frame) library(v *Value, p ir.Pos) *Value {
	switch v.typ {
	case "flask.request", "bottle.request", "quart.request", "flask.globals.request", "werkzeug.local.request":
		v.taint = &trace{step: Step{File: f.mod.Path, Pos: p, Note: v.typ}}
		v.kind = kUnknown
	case "sys.argv", "os.environ", "sys.stdin":
		v.taint = &trace{step: Step{File: f.mod.Path, Pos: p, Note: v.typ}}
	default:
		v = pyFrameworkAttr(v)
	}
	return v
}

func (f *frame) pyCall(s *callSite, fn *Value) *Value {
	q := fn.typ
	p := s.c.Pos
	if fn.self != nil && fn.method != "" {
		return f.pyMethod(s, fn.self, fn.method)
	}
	if spec, ok := pySinks[q]; ok && (spec.kind != Redirect || !localRedirect(s)) {
		f.checkSink(spec, q, s, nil)
	}
	if pyProcess[q] || strings.HasPrefix(q, "os.spawn") || strings.HasPrefix(q, "os.exec") {
		f.checkProcess(q, s)
	}
	f.pyCrypto(q, s)
	last := q
	if i := lastDot(q); i >= 0 {
		last = q[i+1:]
	}
	if strings.HasPrefix(q, "random.") && weakRandom[last] {
		f.flag(rule.PyWeakRandom, q, p)
		out := &Value{typ: "random"}
		out.weak = &trace{step: Step{File: f.mod.Path, Pos: p, Note: q + "()"}}
		return out
	}
	if out, ok := f.pyFrameworkCall(q, s); ok {
		return out
	}
	switch q {
	case "input", "raw_input":
		return f.source("str", q+"()", p)
	case "os.getenv", "os.environ.get", "sys.stdin.read", "sys.stdin.readline", "sys.stdin.readlines":
		return f.source("str", q+"()", p)
	case "str", "repr":
		a := s.arg(0, "")
		if a == nil {
			return constant("")
		}
		if c, ok := constString(a); ok && q == "str" {
			return constant(c)
		}
		return derived("str", a)
	case "int":
		if a := s.arg(0, ""); a != nil {
			if n, ok := a.int(); ok {
				return constant(n)
			}
		}
	case "list", "tuple", "set", "sorted", "reversed", "frozenset":
		a := s.arg(0, "")
		if a == nil {
			return &Value{kind: kList, typ: "list"}
		}
		if a.kind == kList {
			c := &Value{kind: kList, typ: q, elems: append([]*Value(nil), a.elems...), loose: a.loose, summary: a.summary}
			if q != "list" && q != "tuple" && !c.loose {
				c.loose = len(c.elems) > 1
				if c.loose {
					c.summary = c.all()
					c.elems = nil
				}
			}
			return c
		}
		return &Value{kind: kList, typ: "list", loose: true, summary: f.iterElem(a)}
	case "dict":
		d := newDict()
		d.typ = "dict"
		if a := s.arg(0, ""); a != nil && a.kind == kDict {
			for _, k := range a.order {
				d.setKey(k, a.keys[k])
			}
			d.loose, d.summary = a.loose, a.summary
		}
		for k, v := range s.kw {
			d.setKey("s:"+k, v)
		}
		return d
	case "getattr":
		return unknown()
	case "next":
		if a := s.arg(0, ""); a != nil {
			return f.iterElem(a)
		}
	case "enumerate", "zip", "map", "filter", "iter":
		var in []*Value
		for _, a := range s.args {
			in = append(in, f.iterElem(a))
		}
		if q == "enumerate" && len(in) == 1 {
			return &Value{kind: kList, loose: true, summary: &Value{kind: kList, typ: "tuple", elems: []*Value{{typ: "int"}, in[0]}}}
		}
		return &Value{kind: kList, loose: true, summary: derived("", in...)}
	case "min", "max", "sum":
		return derived("", f.iterElem(orUnknown(s.arg(0, ""))))
	case "open", "io.open", "codecs.open":
		return &Value{kind: kObject, typ: "file"}
	case "pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath":
		return derived("pathlib.Path", s.args...)
	case "os.path.join", "posixpath.join":
		out := derived("str", s.args...)
		return out
	case "yaml.load", "yaml.load_all":
		loader := s.arg(1, "Loader")
		if loader == nil || !strings.Contains(loader.typ, "SafeLoader") && !strings.HasSuffix(loader.typ, "BaseLoader") {
			f.checkSink(sk(Deser, rule.PyDeserialization, 0), q, s, nil)
		}
	case "xml.dom.minidom.parseString", "xml.dom.minidom.parse", "xml.sax.parseString", "xml.sax.parse",
		"lxml.etree.fromstring", "lxml.etree.parse", "lxml.etree.XML", "xml.dom.pulldom.parseString", "xml.dom.pulldom.parse":
		if parser := s.arg(1, "parser"); parser != nil && parser.keys != nil && parser.keys["\x00xxe"] != nil {
			f.checkSink(sk(XML, rule.PyXXE, 0), q, s, nil)
		}
	case "lxml.etree.XMLParser":
		out := &Value{kind: kObject, typ: q + "()"}
		if v := s.arg(-1, "resolve_entities"); v != nil {
			if b, ok := truth(v); ok && b {
				out.setKey("\x00xxe", constant(true))
			}
		}
		if v := s.arg(-1, "no_network"); v != nil {
			if b, ok := truth(v); ok && !b {
				out.setKey("\x00xxe", constant(true))
			}
		}
		return out
	}
	if m, ok := pySanitizers[q]; ok {
		return sanitize(derived("str", s.args...), m)
	}
	if t, ok := pyClean[q]; ok {
		out := &Value{typ: t}
		return out
	}
	// anything else: its result may carry what went in
	if q == "" {
		return derived("", s.all()...)
	}
	out := derived(q+"()", s.all()...)
	if isClassName(last) {
		out.kind = kObject
	}
	return out
}

func isClassName(s string) bool { return s != "" && s[0] >= 'A' && s[0] <= 'Z' }

func (f *frame) checkSink(spec sinkSpec, sink string, s *callSite, recv *Value) {
	var vals []*Value
	for _, i := range spec.args {
		if v := s.arg(i, ""); v != nil {
			vals = append(vals, v)
		}
	}
	for _, k := range spec.kws {
		if v := s.arg(-1, k); v != nil {
			vals = append(vals, v)
		}
	}
	if spec.recv && recv != nil {
		vals = append(vals, recv)
	}
	f.sinkHit(spec.kind, spec.rule, sink, s.c.Pos, vals...)
}

// checkProcess reports a command built from input: with a shell, any part;
// without, the program itself or the script a shell is given.
func (f *frame) checkProcess(q string, s *callSite) {
	a0 := s.arg(0, "args")
	if a0 == nil {
		return
	}
	shell := false
	if v := s.arg(-1, "shell"); v != nil {
		if b, ok := truth(v); ok && b {
			shell = true
		} else if !ok {
			shell = true
		}
	}
	if q == "asyncio.create_subprocess_shell" {
		shell = true
	}
	if shell {
		f.sinkHit(Cmd, rule.PyCommandInj, q, s.c.Pos, a0)
		return
	}
	argv := a0
	if strings.HasPrefix(q, "os.exec") || strings.HasPrefix(q, "os.spawn") || q == "asyncio.create_subprocess_exec" {
		argv = &Value{kind: kList, elems: s.args}
		if strings.HasPrefix(q, "os.spawn") && len(s.args) > 0 {
			argv = &Value{kind: kList, elems: s.args[1:]}
		}
	}
	if argv.kind != kList || argv.loose && (len(argv.elems) == 0 || !argv.elems[0].isConst()) {
		// a single string is the program name; so may be any element of
		// a list whose start is not known
		f.sinkHit(Cmd, rule.PyCommandInj, q, s.c.Pos, argv)
		return
	}
	// a list that starts with a literal program ([prog, …] + more, or
	// extended with more arguments): the program is fixed
	if len(argv.elems) == 0 {
		return
	}
	prog, _ := argv.elems[0].str()
	if shells[prog] || shells[baseName(prog)] {
		f.sinkHit(Cmd, rule.PyCommandInj, q, s.c.Pos, argv)
		return
	}
	f.sinkHit(Cmd, rule.PyCommandInj, q, s.c.Pos, argv.elems[0])
}

var pathIO = map[string]bool{
	"read_text": true, "read_bytes": true, "write_text": true, "write_bytes": true, "open": true, "unlink": true,
	"exists": true, "is_file": true, "is_dir": true, "mkdir": true, "rmdir": true, "touch": true, "stat": true,
	"iterdir": true, "rename": true, "replace": true, "glob": true, "chmod": true,
}

func (f *frame) pyMethod(s *callSite, recv *Value, name string) *Value {
	q := ""
	if recv.typ != "" {
		q = recv.typ + "." + name
	}
	p := s.c.Pos
	if out, ok := f.pyFrameworkMethod(s, recv, name); ok {
		return out
	}
	if q != "" && recv.kind == kModule && recv.taint == nil {
		// a function reached through a library module: xml.dom.minidom.parseString
		return f.pyCall(s, &Value{typ: q})
	}
	if q != "" {
		if _, ok := pySinks[q]; ok || pyProcess[q] {
			return f.pyCall(s, &Value{typ: q})
		}
		if _, ok := pySanitizers[q]; ok {
			return f.pyCall(s, &Value{typ: q})
		}
		if _, ok := pyClean[q]; ok {
			return f.pyCall(s, &Value{typ: q})
		}
	}
	switch name {
	case "execute", "executemany", "executescript", "mogrify", "execute_sql":
		if !strings.HasPrefix(recv.typ, "concurrent") && !strings.Contains(recv.typ, "Executor") {
			f.sinkHit(SQL, rule.PySQLInjection, name, p, s.arg(0, ""))
		}
	case "raw":
		if strings.Contains(recv.typ, "objects") {
			f.sinkHit(SQL, rule.PySQLInjection, name, p, s.arg(0, ""))
		}
	case "xpath":
		f.sinkHit(XPath, rule.PyXPathInjection, name, p, s.arg(0, "_path"))
	case "find", "findall", "iterfind", "findtext":
		if strings.Contains(recv.typ, "etree") || strings.Contains(recv.typ, "ElementTree") {
			f.sinkHit(XPath, rule.PyXPathInjection, name, p, s.arg(0, "path"))
		}
	case "search", "search_s", "search_ext_s", "search_st", "paged_search":
		if strings.Contains(strings.ToLower(recv.typ), "ldap") {
			i := 1
			if name != "search" && name != "paged_search" {
				i = 2
			}
			f.sinkHit(LDAP, rule.PyLDAPInjection, name, p, s.arg(i, "search_filter"), s.arg(i, "filterstr"))
		}
	case "set_cookie":
		if len(s.args) < 2 && s.arg(-1, "value") == nil {
			break // a cookie jar's set_cookie(cookie), not a response's
		}
		sec := s.arg(-1, "secure")
		if sec == nil {
			f.flag(rule.PyInsecureCookie, "set_cookie without secure=True", p)
		} else if b, ok := truth(sec); ok && !b {
			f.flag(rule.PyInsecureCookie, "set_cookie(secure=False)", p)
		}
	case "setFeature":
		if v := s.arg(1, ""); v != nil {
			if b, ok := truth(v); ok && b {
				feat := s.arg(0, "")
				if feat != nil && (strings.HasSuffix(feat.typ, "feature_external_ges") || strings.HasSuffix(feat.typ, "feature_external_pes")) {
					recv.setKey("\x00xxe", constant(true))
				}
			}
		}
		return constant(nil)
	case "parse", "parseString", "feed":
		if recv.keys != nil && recv.keys["\x00xxe"] != nil {
			f.sinkHit(XML, rule.PyXXE, name, p, s.arg(0, ""))
		}
	}
	if strings.HasPrefix(recv.typ, "pathlib.") && pathIO[name] {
		f.sinkHit(Path, rule.PyPathTraversal, "pathlib.Path."+name, p, recv)
		if name == "exists" || name == "is_file" || name == "is_dir" {
			return &Value{typ: "bool"}
		}
		return &Value{typ: "file"}
	}
	// random.Random() instances are as weak as the module
	if (strings.HasPrefix(recv.typ, "random.Random(") || recv.typ == "random.Random()") && weakRandom[name] {
		f.flag(rule.PyWeakRandom, "random.Random()."+name, p)
		return &Value{typ: "random", weak: &trace{step: Step{File: f.mod.Path, Pos: p, Note: name}}}
	}
	switch name {
	// text operations that return numbers or truth values
	case "find", "rfind", "index", "rindex", "count", "startswith", "endswith", "isalnum", "isalpha", "isdigit",
		"isdecimal", "isnumeric", "isspace", "islower", "isupper", "isidentifier", "__len__", "bit_length":
		if name != "find" || !strings.Contains(recv.typ, "etree") {
			return &Value{typ: "int"}
		}
	case "split", "rsplit", "splitlines", "partition", "rpartition", "getlist", "readlines":
		return &Value{kind: kList, typ: "list", loose: true, summary: derived("str", recv)}
	case "join":
		if it := s.arg(0, ""); it != nil {
			return derived("str", recv, f.iterElem(it))
		}
	case "format":
		return derived("str", append([]*Value{recv}, s.all()...)...)
	case "replace":
		return f.replace(s, recv)
	case "write", "writelines", "append", "add", "update", "extend", "insert", "send", "put", "push":
		if recv.kind == kObject || recv.kind == kUnknown {
			mixIn(recv, s.args...)
		}
		return constant(nil)
	case "set":
		// configparser-like set(section, key, value)
		if len(s.args) >= 2 {
			f.keyedSet(recv, s.args)
			return constant(nil)
		}
	case "get", "getint", "getboolean", "getfloat":
		if len(s.args) >= 1 && recv.keys != nil && !strings.HasPrefix(recv.typ, "flask.request") {
			if v, ok := f.keyedGet(recv, s); ok {
				return v
			}
		}
	case "hexdigest", "digest":
		return &Value{typ: "str"}
	}
	return derived(q+"()", append([]*Value{recv}, s.all()...)...)
}

// replace models str.replace: removing quote characters neutralises
// quoting-based injections.
func (f *frame) replace(s *callSite, recv *Value) *Value {
	out := derived("str", recv, s.arg(1, ""))
	if old, ok := s.arg(0, "").str(); ok {
		if nv, ok := s.arg(1, "").str(); ok && !strings.Contains(nv, old) {
			switch old {
			case "'", "\"":
				out.san |= bit(SQL) | bit(XPath)
			case "..", "../", "/":
				out.san |= bit(Path)
			case "<", ">":
				out.san |= bit(XSS)
			}
		}
	}
	return out
}

// keyedSet stores value under the constant key made of the other arguments
// (configparser.set(section, key, value), Properties.setProperty(key, value)).
func (f *frame) keyedSet(recv *Value, args []*Value) {
	var parts []string
	for _, a := range args[:len(args)-1] {
		k, ok := keyOf(a)
		if !ok {
			recv.summary = join(recv.summary, args[len(args)-1])
			if recv.keys == nil {
				recv.keys = map[string]*Value{}
			}
			return
		}
		parts = append(parts, k)
	}
	recv.setKey(strings.Join(parts, "|"), args[len(args)-1])
}

func (f *frame) keyedGet(recv *Value, s *callSite) (*Value, bool) {
	var parts []string
	n := len(s.args)
	if n >= 2 && recv.keys != nil {
		// a trailing default is not part of the key when a one-part key exists
		if _, ok := recv.keys[joinKeys(s.args[:1])]; ok && !hasKeyWithParts(recv, 2) {
			n = 1
		}
	}
	for _, a := range s.args[:n] {
		k, ok := keyOf(a)
		if !ok {
			return nil, false
		}
		parts = append(parts, k)
	}
	if v, ok := recv.keys[strings.Join(parts, "|")]; ok {
		return v, true
	}
	if recv.summary != nil {
		return recv.summary, true
	}
	var def *Value
	if v := s.arg(-1, "fallback"); v != nil {
		def = v
	}
	if def != nil {
		return def, true
	}
	return nil, false
}

func joinKeys(args []*Value) string {
	var parts []string
	for _, a := range args {
		k, _ := keyOf(a)
		parts = append(parts, k)
	}
	return strings.Join(parts, "|")
}

func hasKeyWithParts(v *Value, n int) bool {
	for _, k := range v.order {
		if strings.Count(k, "|") == n-1 {
			return true
		}
	}
	return false
}

// sinkStore checks obj[key] = v for session stores.
func (f *frame) sinkStore(obj, key, v *Value, p ir.Pos) {
	if isSession(obj.typ) {
		id := rule.PyTrustBoundary
		if f.lang == ir.Java {
			id = rule.JavaTrustBoundary
		}
		f.sinkHit(Trust, id, "session[...] =", p, key, v)
	}
}

func isSession(t string) bool {
	return t == "flask.session" || strings.HasSuffix(t, ".session") || t == "session"
}

func (f *frame) sinkAttrStore(obj *Value, name string, v *Value, p ir.Pos) {}

// pyCrypto checks hash, KDF and cipher calls.
func (f *frame) pyCrypto(q string, s *callSite) {
	p := s.c.Pos
	notSecurity := func() bool {
		if v := s.arg(-1, "usedforsecurity"); v != nil {
			if b, ok := truth(v); ok && !b {
				return true
			}
		}
		return false
	}
	weakName := func(n string) bool {
		n = strings.ToLower(strings.ReplaceAll(n, "-", ""))
		return n == "md5" || n == "sha1" || n == "md4" || n == "md2" || n == "sha" || n == "ripemd160"
	}
	switch q {
	case "hashlib.md5", "hashlib.sha1", "hashlib.md4", "Crypto.Hash.MD5.new", "Crypto.Hash.SHA1.new", "Crypto.Hash.MD4.new",
		"Cryptodome.Hash.MD5.new", "Cryptodome.Hash.SHA1.new", "cryptography.hazmat.primitives.hashes.MD5",
		"cryptography.hazmat.primitives.hashes.SHA1":
		if !notSecurity() {
			f.flag(rule.PyWeakHash, q, p)
		}
	case "hashlib.new":
		if n, ok := s.arg(0, "name").str(); ok && weakName(n) && !notSecurity() {
			f.flag(rule.PyWeakHash, "hashlib.new('"+n+"')", p)
		}
	case "hmac.new":
		if d := s.arg(2, "digestmod"); d != nil {
			if n, ok := d.str(); ok && weakName(n) || strings.HasSuffix(d.typ, "hashlib.md5") || strings.HasSuffix(d.typ, "hashlib.sha1") {
				f.flag(rule.PyWeakHash, "hmac.new with a weak digest", p)
			}
		}
	case "hashlib.pbkdf2_hmac":
		if n, ok := s.arg(0, "hash_name").str(); ok && weakName(n) {
			f.flag(rule.PyWeakPBKDF2, "pbkdf2_hmac('"+n+"')", p)
		} else if it, ok := s.arg(3, "iterations").int(); ok && it < 100000 {
			f.flag(rule.PyWeakPBKDF2, "pbkdf2_hmac with few iterations", p)
		}
	case "cryptography.hazmat.primitives.kdf.pbkdf2.PBKDF2HMAC":
		alg := s.arg(0, "algorithm")
		if alg != nil && (strings.HasSuffix(alg.typ, "hashes.SHA1()") || strings.HasSuffix(alg.typ, "hashes.MD5()")) {
			f.flag(rule.PyWeakPBKDF2, "PBKDF2HMAC with SHA-1", p)
		} else if it, ok := s.arg(3, "iterations").int(); ok && it < 100000 {
			f.flag(rule.PyWeakPBKDF2, "PBKDF2HMAC with few iterations", p)
		}
	case "Crypto.Protocol.KDF.PBKDF2", "Cryptodome.Protocol.KDF.PBKDF2":
		if it, ok := s.arg(3, "count").int(); ok && it < 100000 {
			f.flag(rule.PyWeakPBKDF2, "PBKDF2 with few iterations", p)
		} else if s.arg(3, "count") == nil && len(s.args) < 4 {
			f.flag(rule.PyWeakPBKDF2, "PBKDF2 with the default 1000 iterations", p)
		} else if h := s.arg(-1, "hmac_hash_module"); h != nil && (strings.HasSuffix(h.typ, "SHA1") || strings.HasSuffix(h.typ, "MD5")) {
			f.flag(rule.PyWeakPBKDF2, "PBKDF2 with SHA-1", p)
		}
	case "cryptography.hazmat.primitives.ciphers.modes.ECB":
		f.flag(rule.PyECBMode, "modes.ECB", p)
	case "cryptography.hazmat.primitives.ciphers.modes.CBC", "cryptography.hazmat.primitives.ciphers.modes.CTR",
		"cryptography.hazmat.primitives.ciphers.modes.GCM", "cryptography.hazmat.primitives.ciphers.modes.OFB",
		"cryptography.hazmat.primitives.ciphers.modes.CFB":
		if iv := s.arg(0, "initialization_vector"); iv != nil && iv.isConst() {
			f.flag(rule.PyStaticIV, q+" with a constant IV", p)
		} else if iv := s.arg(0, "nonce"); iv != nil && iv.isConst() {
			f.flag(rule.PyStaticIV, q+" with a constant nonce", p)
		}
	case "cryptography.hazmat.primitives.ciphers.algorithms.TripleDES", "cryptography.hazmat.primitives.ciphers.algorithms.Blowfish",
		"cryptography.hazmat.primitives.ciphers.algorithms.ARC4", "cryptography.hazmat.primitives.ciphers.algorithms.CAST5",
		"cryptography.hazmat.primitives.ciphers.algorithms.IDEA", "cryptography.hazmat.primitives.ciphers.algorithms.SEED",
		"cryptography.hazmat.decrepit.ciphers.algorithms.TripleDES", "cryptography.hazmat.decrepit.ciphers.algorithms.Blowfish",
		"cryptography.hazmat.decrepit.ciphers.algorithms.ARC4", "cryptography.hazmat.decrepit.ciphers.algorithms.CAST5",
		"cryptography.hazmat.decrepit.ciphers.algorithms.IDEA", "cryptography.hazmat.decrepit.ciphers.algorithms.SEED",
		"cryptography.hazmat.decrepit.ciphers.algorithms.RC2":
		f.flag(rule.PyWeakCipher, q, p)
	}
	for _, pre := range []string{"Crypto.Cipher.", "Cryptodome.Cipher."} {
		if !strings.HasPrefix(q, pre) || !strings.HasSuffix(q, ".new") {
			continue
		}
		alg := strings.TrimSuffix(strings.TrimPrefix(q, pre), ".new")
		switch alg {
		case "DES", "DES3", "ARC4", "ARC2", "Blowfish", "CAST", "XOR":
			f.flag(rule.PyWeakCipher, q, p)
		}
		mode := s.arg(1, "mode")
		if mode != nil && strings.HasSuffix(mode.typ, ".MODE_ECB") {
			f.flag(rule.PyECBMode, alg+".MODE_ECB", p)
		}
		if iv := s.arg(2, "iv"); iv != nil && iv.isConst() {
			f.flag(rule.PyStaticIV, q+" with a constant IV", p)
		} else if n := s.arg(-1, "nonce"); n != nil && n.isConst() {
			f.flag(rule.PyStaticIV, q+" with a constant nonce", p)
		}
	}
}
