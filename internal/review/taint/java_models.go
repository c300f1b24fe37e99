package taint

import (
	"strings"

	"github.com/tendhq/tend/internal/review/ir"
	"github.com/tendhq/tend/internal/review/rule"
)

var javaLang = map[string]bool{
	"String": true, "StringBuilder": true, "StringBuffer": true, "System": true, "Math": true, "Integer": true,
	"Long": true, "Double": true, "Float": true, "Boolean": true, "Character": true, "Byte": true, "Short": true,
	"Runtime": true, "Object": true, "Thread": true, "Class": true, "ProcessBuilder": true, "Process": true,
}

// javaTypeName resolves a type as written (List<String>, java.io.File,
// File[]) to a qualified name through the file's imports.
func (f *frame) javaTypeName(t string) string {
	t = strings.TrimSpace(t)
	if i := strings.IndexByte(t, '<'); i >= 0 {
		j := strings.LastIndexByte(t, '>')
		if j > i {
			t = t[:i] + t[j+1:]
		} else {
			t = t[:i]
		}
	}
	arr := ""
	for strings.HasSuffix(t, "[]") {
		arr += "[]"
		t = strings.TrimSuffix(t, "[]")
	}
	t = strings.TrimSuffix(t, "...")
	if strings.Contains(t, ".") || t == "" || isPrimitive(t) || t == "var" || t == "void" {
		return t + arr
	}
	if v, ok := f.modEnv.get(t); ok && v.typ != "" {
		return v.typ + arr
	}
	if javaLang[t] {
		return "java.lang." + t + arr
	}
	return t + arr
}

// javaType is a reference to a (library) class by qualified name.
func (f *frame) javaType(q string) *Value { return &Value{typ: q} }

// javaName resolves a simple name that is no local, field or import.
func (f *frame) javaName(id string) *Value {
	if c, ok := f.javaClassNamed(id); ok {
		ms := f.w.module(c.mod)
		if v, ok := ms.env.get(id); ok && v.kind == kClass && v.class != nil && v.class.class == c.class {
			return v
		}
		// a nested class
		return f.classValue(c.class, ms.env)
	}
	if javaLang[id] {
		return f.javaType("java.lang." + id)
	}
	if isClassName(id) {
		return f.javaType(id)
	}
	return &Value{typ: id}
}

// javaClassNamed finds the project class a simple name means in the current
// file, as Java scopes it: a class declared in the file (nested classes
// included) first, then one of the file's package, then any. Many files may
// each declare their own private class of the same name.
func (f *frame) javaClassNamed(id string) (javaClass, bool) {
	cs := f.w.a.p.classes[id]
	if len(cs) == 0 {
		return javaClass{}, false
	}
	for _, c := range cs {
		if c.mod == f.mod {
			return c, true
		}
	}
	for _, c := range cs {
		if f.mod != nil && c.mod.Package == f.mod.Package {
			return c, true
		}
	}
	return cs[0], true
}

func (f *frame) javaCtor(c *classRef, n int) *ir.Func {
	var any *ir.Func
	for _, m := range c.class.Methods {
		if m.Name == c.class.Name || m.Name == "<init>" {
			if len(m.Params) == n {
				return m
			}
			any = m
		}
	}
	if n > 0 {
		return any
	}
	return nil
}

// javaParam is a root method's parameter: servlet requests, Spring request
// parameters and main's arguments are untrusted.
func (f *frame) javaParam(fn *ir.Func, p ir.Param, i int) *Value {
	q := f.javaTypeName(p.Type)
	v := &Value{typ: q}
	short := q
	if j := lastDot(q); j >= 0 {
		short = q[j+1:]
	}
	src := ""
	switch short {
	case "HttpServletRequest", "ServletRequest", "HttpServletRequestWrapper", "HttpRequest", "WebRequest", "MultipartHttpServletRequest":
		src = "HTTP request"
	}
	if i >= 0 && i < len(fn.ParamAnnotations) {
		for _, a := range fn.ParamAnnotations[i] {
			if a == "Nullable" || a == "CheckForNull" {
				v.null = &trace{step: Step{File: f.mod.Path, Pos: fn.Pos, Note: "parameter " + p.Name + " is @" + a}}
			}
			switch a {
			case "RequestParam", "PathVariable", "RequestHeader", "CookieValue", "RequestBody", "QueryParam", "PathParam",
				"HeaderParam", "CookieParam", "FormParam", "ModelAttribute", "MatrixVariable":
				src = "@" + a + " " + p.Name
			}
		}
	}
	if fn.Name == "main" && fn.Static && strings.HasPrefix(short, "String[]") {
		src = "command-line arguments"
		v = &Value{kind: kList, typ: q, loose: true, summary: &Value{typ: "java.lang.String"}}
	}
	if src != "" {
		v.taint = &trace{step: Step{File: f.mod.Path, Pos: fn.Pos, Note: src}}
		if v.summary != nil {
			v.summary.taint = v.taint
		}
	}
	return v
}

// deref reports a dereference of a value that may be null.
func (f *frame) deref(v *Value, x ir.Expr, p ir.Pos) {
	if v == nil || v.null == nil {
		return
	}
	what := "the value"
	if n, ok := x.(*ir.Name); ok {
		what = n.ID
	}
	f.flagFrom(rule.JavaNullDeref, what+" may be null here", p, v.null)
	// one report per value: after the dereference the path would have thrown
	v.null = nil
}

func nullable(note string, f *frame, p ir.Pos, v *Value) *Value {
	v.null = &trace{step: Step{File: f.mod.Path, Pos: p, Note: note}}
	return v
}

// javaNew interprets new T(args).
func (f *frame) javaNew(c *ir.Call, e *env) *Value {
	tn := ""
	switch fn := c.Fn.(type) {
	case *ir.Name:
		tn = fn.ID
	case *ir.Attr:
		tn = exprString(fn)
	}
	s := f.evalArgs(c, e)
	short := tn
	if i := strings.IndexByte(short, '<'); i >= 0 {
		short = short[:i]
	}
	if strings.HasSuffix(short, "[]") {
		// new T[n]: zero values, one element each for a small constant n
		arr := &Value{kind: kList, typ: short, loose: true, summary: constant(int64(0))}
		elem := strings.TrimSuffix(short, "[]")
		if !isPrimitive(elem) {
			arr.summary = &Value{typ: f.javaTypeName(elem)} // null, but not worth reporting
		}
		if n, ok := s.arg(0, "").int(); ok && len(s.args) == 1 && n >= 0 && n <= 64 && !strings.HasSuffix(elem, "[]") {
			arr.loose = false
			for i := int64(0); i < n; i++ {
				arr.elems = append(arr.elems, arr.summary)
			}
			arr.summary = nil
		}
		arr.keys = map[string]*Value{"\x00const": constant(true)}
		return arr
	}
	if j := lastDot(short); j >= 0 {
		short = short[j+1:]
	}
	// a project class
	if _, ok := f.javaClassNamed(short); ok {
		cv := f.javaName(short)
		if cv.kind == kClass {
			return f.instantiate(cv, s)
		}
	}
	q := f.javaTypeName(tn)
	p := c.Pos
	switch short {
	case "ArrayList", "LinkedList", "Vector", "ArrayDeque", "Stack", "CopyOnWriteArrayList", "LinkedBlockingQueue", "PriorityQueue":
		l := &Value{kind: kList, typ: q}
		if a := s.arg(0, ""); a != nil && a.kind == kList {
			l.elems = append(l.elems, a.elems...)
			l.loose, l.summary = a.loose, a.summary
		}
		return l
	case "HashSet", "TreeSet", "LinkedHashSet":
		l := &Value{kind: kList, typ: "set"}
		if a := s.arg(0, ""); a != nil && a.kind == kList {
			l.loose = true
			l.summary = a.all()
		}
		return l
	case "HashMap", "TreeMap", "LinkedHashMap", "Hashtable", "ConcurrentHashMap", "Properties", "EnumMap", "WeakHashMap":
		d := newDict()
		d.typ = q
		if a := s.arg(0, ""); a != nil && a.kind == kDict {
			for _, k := range a.order {
				d.setKey(k, a.keys[k])
			}
		}
		return d
	case "String":
		a := s.arg(0, "")
		if a == nil {
			return constant("")
		}
		if str, ok := a.str(); ok {
			return constant(str)
		}
		return derived("java.lang.String", s.args...)
	case "StringBuilder", "StringBuffer", "StringWriter", "StringJoiner":
		o := &Value{kind: kObject, typ: q}
		mixIn(o, s.args...)
		str := ""
		if a := s.arg(0, ""); a != nil {
			if x, ok := a.str(); ok {
				str = x
			} else if _, isInt := a.int(); !isInt {
				str = "\x00"
			}
		}
		if str != "\x00" && short != "StringJoiner" {
			o.setKey("\x00sb", constant(str))
		}
		return o
	case "File", "FileInputStream", "FileOutputStream", "FileReader", "FileWriter", "RandomAccessFile", "PrintWriter", "PrintStream", "FileHandler", "ZipFile", "JarFile":
		if short != "PrintWriter" && short != "PrintStream" || s.arg(0, "") != nil && (s.arg(0, "").typ == "java.lang.String" || s.arg(0, "").isConst()) {
			f.sinkHit(Path, rule.JavaPathTraversal, "new "+short, p, s.args...)
		}
		o := &Value{kind: kObject, typ: q}
		if short == "File" {
			mixIn(o, s.args...)
			o.kind = kUnknown
		}
		if a := s.arg(len(s.args)-1, ""); a != nil && a.isConst() {
			o.keys = map[string]*Value{"\x00res": a}
		} else if a != nil && a.keys != nil && a.keys["\x00res"] != nil {
			o.keys = map[string]*Value{"\x00res": a.keys["\x00res"]}
		}
		return o
	case "ProcessBuilder":
		f.sinkHit(Cmd, rule.JavaCommandInj, "new ProcessBuilder", p, s.args...)
		return &Value{kind: kObject, typ: q}
	case "Random":
		if q == "java.util.Random" || q == "Random" {
			return &Value{kind: kObject, typ: "java.util.Random"}
		}
	case "IvParameterSpec", "GCMParameterSpec":
		iv := s.arg(0, "")
		if short == "GCMParameterSpec" {
			iv = s.arg(1, "")
		}
		if constBytes(iv) {
			f.flag(rule.JavaStaticIV, "new "+short+" with a constant IV", p)
		}
	case "SecretKeySpec":
		if alg, ok := s.arg(len(s.args)-1, "").str(); ok {
			u := strings.ToUpper(alg)
			if strings.HasPrefix(u, "DES") || u == "RC4" || u == "RC2" || u == "BLOWFISH" || u == "ARCFOUR" {
				f.flag(rule.JavaWeakCipher, "new SecretKeySpec(…, \""+alg+"\")", p)
			}
		}
	case "PBEKeySpec":
		if it, ok := s.arg(2, "").int(); ok && it < 100000 {
			f.flag(rule.JavaWeakPBKDF2, "PBEKeySpec with few iterations", p)
		}
	case "Cookie":
		o := &Value{kind: kObject, typ: "javax.servlet.http.Cookie"}
		mixIn(o, s.args...)
		o.keys = map[string]*Value{}
		return o
	case "InitialDirContext", "InitialLdapContext":
		return &Value{kind: kObject, typ: "javax.naming.directory.DirContext"}
	}
	out := derived(q, s.all()...)
	out.kind = kObject
	if out.taint != nil && !isCarrier(short) {
		// most objects built from input do not make their methods' results input
		out.kind = kUnknown
	}
	return out
}

func isCarrier(short string) bool {
	return true
}

func exprString(x ir.Expr) string {
	switch x := x.(type) {
	case *ir.Name:
		return x.ID
	case *ir.Attr:
		return exprString(x.X) + "." + x.Name
	}
	return ""
}

// constBytes reports whether v is a byte array with constant contents.
func constBytes(v *Value) bool {
	if v == nil {
		return false
	}
	if v.isConst() {
		return true
	}
	if v.kind == kList {
		if v.keys != nil && v.keys["\x00const"] != nil {
			return true
		}
		if !v.loose && len(v.elems) > 0 {
			for _, e := range v.elems {
				if !e.isConst() {
					return false
				}
			}
			return true
		}
	}
	return false
}

// standardProperties are the system properties every JVM sets.
var standardProperties = map[string]bool{
	"java.version": true, "java.vendor": true, "java.home": true, "java.class.path": true, "java.io.tmpdir": true,
	"os.name": true, "os.arch": true, "os.version": true, "file.separator": true, "path.separator": true,
	"line.separator": true, "user.name": true, "user.home": true, "user.dir": true, "java.vm.name": true,
	"java.specification.version": true, "java.class.version": true,
}

var javaSQLMethods = map[string]bool{
	"execute": true, "executeQuery": true, "executeUpdate": true, "executeLargeUpdate": true, "addBatch": true,
	"prepareStatement": true, "prepareCall": true, "nativeSQL": true, "executeLargeBatch": false,
}

var jdbcTemplate = map[string]bool{
	"query": true, "queryForObject": true, "queryForList": true, "queryForMap": true, "queryForRowSet": true,
	"update": true, "execute": true, "batchUpdate": true, "queryForLong": true, "queryForInt": true,
}

var javaSanitizers = map[string]Mask{
	"encodeForSQL": bit(SQL), "encodeForHTML": bit(XSS), "encodeForHTMLAttribute": bit(XSS), "encodeForJavaScript": bit(XSS),
	"encodeForLDAP": bit(LDAP), "encodeForDN": bit(LDAP), "encodeForXPath": bit(XPath), "encodeForOS": bit(Cmd),
	"encodeForURL": bit(XSS) | bit(Redirect), "forHtml": bit(XSS), "forHtmlContent": bit(XSS), "forHtmlAttribute": bit(XSS),
	"htmlEscape": bit(XSS), "escapeHtml": bit(XSS), "escapeHtml4": bit(XSS), "escapeSql": bit(SQL), "escapeXml": bit(XSS),
	"escapeXml10": bit(XSS), "escapeXml11": bit(XSS), "getName": bit(Path), "getFileName": bit(Path),
	"quoteReplacement": 0,
}

var javaClean = map[string]bool{
	"parseInt": true, "parseLong": true, "parseDouble": true, "parseFloat": true, "parseBoolean": true, "parseShort": true,
	"parseByte": true, "length": true, "size": true, "indexOf": true, "lastIndexOf": true, "equals": true,
	"equalsIgnoreCase": true, "contains": true, "isEmpty": true, "isBlank": true, "startsWith": true, "endsWith": true,
	"hashCode": true, "compareTo": true, "matches": true, "exists": true, "isFile": true, "isDirectory": true,
	"hasNext": true, "hasMoreElements": true, "hasMoreTokens": true, "containsKey": true, "booleanValue": true,
	"intValue": true, "longValue": true, "doubleValue": true, "nanoTime": true, "currentTimeMillis": true,
	"getClass": true, "getSession": true, "getMethod": true, "getContentLength": true, "getServerPort": true,
	"getLocalPort": true, "getRemotePort": true, "getStatus": true, "isSecure": true, "getMaxAge": true,
}

var javaWeakRandom = map[string]bool{
	"nextInt": true, "nextLong": true, "nextDouble": true, "nextFloat": true, "nextBoolean": true, "nextBytes": true,
	"nextGaussian": true, "ints": true, "longs": true, "doubles": true,
}

// javaMethod interprets a call of a library method.
func (f *frame) javaMethod(s *callSite, recv *Value, name string) *Value {
	p := s.c.Pos
	t := recv.typ
	short := t
	if i := lastDot(t); i >= 0 {
		short = t[i+1:]
	}
	a0 := s.arg(0, "")
	// sources that may also be null
	if recv.taint != nil && strings.Contains(t, "Request") {
		switch name {
		case "getParameter", "getHeader", "getCookies", "getRemoteUser", "getPathInfo", "getContentType",
			"getCharacterEncoding", "getAuthType":
			out := derived("java.lang.String", recv)
			if name == "getCookies" {
				out = &Value{kind: kList, typ: "javax.servlet.http.Cookie[]", loose: true, summary: derived("javax.servlet.http.Cookie", recv)}
				out.taint = recv.taint
			}
			return nullable("HttpServletRequest."+name+" returns null when absent", f, p, out)
		case "getParameterValues":
			out := &Value{kind: kList, typ: "java.lang.String[]", loose: true, summary: derived("java.lang.String", recv)}
			return nullable("HttpServletRequest.getParameterValues returns null when absent", f, p, out)
		case "getParameterMap":
			d := newDict()
			d.loose = true
			d.typ = "java.util.Map"
			d.summary = &Value{kind: kList, loose: true, summary: derived("java.lang.String", recv), typ: "java.lang.String[]"}
			d.taint = recv.taint
			return d
		case "getHeaders", "getHeaderNames", "getParameterNames":
			return &Value{kind: kList, typ: "java.util.Enumeration", loose: true, summary: derived("java.lang.String", recv)}
		case "getSession":
			sess := &Value{kind: kObject, typ: "javax.servlet.http.HttpSession", keys: map[string]*Value{}}
			if a0 != nil && a0.isConst() && a0.c == false {
				return nullable("HttpServletRequest.getSession(false) returns null when there is no session", f, p, sess)
			}
			return sess
		}
	}
	// crypto and randomness
	switch {
	case name == "getInstance" && (short == "MessageDigest"):
		if alg, ok := a0.str(); ok {
			n := strings.ToUpper(strings.ReplaceAll(alg, "-", ""))
			if n == "MD5" || n == "SHA1" || n == "MD2" || n == "MD4" || n == "SHA" {
				f.flag(rule.JavaWeakHash, "MessageDigest.getInstance(\""+alg+"\")", p)
			}
		}
		return &Value{kind: kObject, typ: "java.security.MessageDigest"}
	case name == "getInstance" && short == "Cipher":
		if tr, ok := a0.str(); ok {
			f.javaCipher(tr, p)
		}
		return &Value{kind: kObject, typ: "javax.crypto.Cipher"}
	case name == "getInstance" && (short == "KeyGenerator" || short == "SecretKeyFactory"):
		if alg, ok := a0.str(); ok {
			u := strings.ToUpper(alg)
			if strings.HasPrefix(u, "DES") || u == "RC4" || u == "RC2" || u == "BLOWFISH" || u == "ARCFOUR" {
				f.flag(rule.JavaWeakCipher, short+".getInstance(\""+alg+"\")", p)
			}
			if strings.Contains(u, "PBKDF2WITHHMACSHA1") || strings.HasPrefix(u, "PBEWITHMD5") || strings.HasPrefix(u, "PBEWITHSHA1") {
				f.flag(rule.JavaWeakPBKDF2, short+".getInstance(\""+alg+"\")", p)
			}
		}
		return &Value{kind: kObject, typ: t}
	case short == "DigestUtils" && (strings.HasPrefix(name, "md5") || strings.HasPrefix(name, "sha1") || name == "shaHex" || name == "sha" ||
		strings.HasPrefix(name, "md2") || name == "getMd5Digest" || name == "getSha1Digest" || name == "getMd2Digest" || name == "getShaDigest"):
		f.flag(rule.JavaWeakHash, "DigestUtils."+name, p)
	case short == "Hashing" && (name == "md5" || name == "sha1"):
		f.flag(rule.JavaWeakHash, "Hashing."+name, p)
	case (t == "java.util.Random" && recv.kind == kObject || short == "ThreadLocalRandom" || strings.HasSuffix(t, "ThreadLocalRandom.current()")) && javaWeakRandom[name]:
		// a value only declared java.util.Random (a parameter) may be a
		// SecureRandom: the call is judged where the object is known
		f.flag(rule.JavaWeakRandom, "java.util.Random."+name, p)
		return &Value{typ: "int", weak: &trace{step: Step{File: f.mod.Path, Pos: p, Note: name}}}
	case short == "Math" && name == "random":
		f.flag(rule.JavaWeakRandom, "Math.random", p)
		return &Value{typ: "double", weak: &trace{step: Step{File: f.mod.Path, Pos: p, Note: name}}}
	case short == "RandomStringUtils" || short == "RandomUtils":
		f.flag(rule.JavaWeakRandom, short+"."+name, p)
		return &Value{typ: "java.lang.String"}
	case (name == "read" || name == "readFully" || name == "readNBytes") && a0 != nil && a0.kind == kList:
		// InputStream.read(byte[]), Reader.read(char[]), DataInput.readFully:
		// the buffer holds what the stream held
		delete(a0.keys, "\x00const")
		a0.loose = true
		if recv.taint != nil {
			a0.summary = join(a0.summary, derived("byte", recv))
		}
		return &Value{typ: "int"}
	case name == "nextBytes" && a0 != nil && a0.keys != nil:
		delete(a0.keys, "\x00const")
		a0.loose = true // its elements are no longer the zeros
		return constant(nil)
	}
	// sinks
	switch {
	case javaSQLMethods[name] && !strings.Contains(t, "Executor") && !strings.Contains(t, "Thread"):
		f.sinkHit(SQL, rule.JavaSQLInjection, sinkName(short, name), p, a0)
		return &Value{kind: kObject, typ: "java.sql." + strings.TrimPrefix(name, "execute") + "()"}
	case jdbcTemplate[name] && strings.Contains(strings.ToLower(t), "jdbc"):
		f.sinkHit(SQL, rule.JavaSQLInjection, sinkName(short, name), p, a0)
		return &Value{kind: kObject, typ: "java.util.List"}
	case name == "createQuery" || name == "createNativeQuery" || name == "createSQLQuery":
		f.sinkHit(SQL, rule.JavaSQLInjection, sinkName(short, name), p, a0)
		return &Value{kind: kObject, typ: "javax.persistence.Query"}
	case name == "exec" && (short == "Runtime" || strings.HasSuffix(t, "getRuntime()")):
		f.sinkHit(Cmd, rule.JavaCommandInj, "Runtime.exec", p, s.args...)
		return &Value{kind: kObject, typ: "java.lang.Process"}
	case name == "command" && short == "ProcessBuilder":
		f.sinkHit(Cmd, rule.JavaCommandInj, "ProcessBuilder.command", p, s.args...)
	case (short == "Paths" && name == "get") || (short == "Path" && name == "of"):
		out := derived("java.nio.file.Path", s.args...)
		f.sinkHit(Path, rule.JavaPathTraversal, short+"."+name, p, s.args...)
		return out
	case short == "Files" || short == "FileUtils":
		f.sinkHit(Path, rule.JavaPathTraversal, short+"."+name, p, a0)
		return &Value{kind: kObject, typ: t + "." + name + "()"}
	case name == "search" && (strings.Contains(t, "DirContext") || strings.Contains(t, "LdapContext") || strings.Contains(t, "LdapTemplate")):
		f.sinkHit(LDAP, rule.JavaLDAPInjection, "DirContext.search", p, s.arg(1, ""))
	case (name == "evaluate" || name == "compile") && strings.Contains(t, "XPath"):
		f.sinkHit(XPath, rule.JavaXPathInjection, "XPath."+name, p, a0)
	case name == "sendRedirect" || (name == "setHeader" && strings.EqualFold(constOr(a0), "Location")):
		v := a0
		if name == "setHeader" {
			v = s.arg(1, "")
		}
		f.sinkHit(Redirect, rule.JavaOpenRedirect, "sendRedirect", p, v)
	case (name == "print" || name == "println" || name == "write" || name == "printf" || name == "format" || name == "append") &&
		(strings.HasSuffix(t, "getWriter()") || strings.HasSuffix(t, "getOutputStream()")):
		f.sinkHit(XSS, rule.JavaXSS, "response writer."+name, p, s.args...)
		if name == "printf" || name == "format" || name == "append" {
			return recv // PrintWriter's chaining methods return the writer
		}
	case (name == "setAttribute" || name == "putValue") && (strings.Contains(t, "HttpSession") || strings.HasSuffix(t, "getSession()")):
		f.sinkHit(Trust, rule.JavaTrustBoundary, "HttpSession."+name, p, s.args...)
	case name == "setSecure" && strings.HasSuffix(t, "Cookie"):
		if recv.keys == nil {
			recv.keys = map[string]*Value{}
		}
		recv.keys["\x00secure"] = orUnknown(a0)
		return constant(nil)
	case name == "addCookie":
		if c := a0; c != nil && strings.HasSuffix(c.typ, "Cookie") {
			sec := c.keys["\x00secure"]
			if sec == nil {
				f.flag(rule.JavaInsecureCookie, "addCookie without setSecure(true)", p)
			} else if b, ok := truth(sec); ok && !b {
				f.flag(rule.JavaInsecureCookie, "addCookie after setSecure(false)", p)
			}
		}
		return constant(nil)
	}
	// values that may be null
	switch {
	case name == "load" && (strings.Contains(t, "DynamoDBMapper") || strings.Contains(strings.ToLower(t), "mapper")):
		return nullable("DynamoDBMapper.load returns null when the item does not exist", f, p, derived(f.loadType(s), recv))
	case name == "getItem" && strings.Contains(t, "DynamoDbTable"):
		return nullable("DynamoDbTable.getItem returns null when the item does not exist", f, p, derived("", recv))
	case short == "System" && (name == "getProperty" || name == "getenv") && len(s.args) == 1:
		out := f.source("java.lang.String", "System."+name, p)
		if name == "getProperty" {
			out.taint = nil
			if k, ok := a0.str(); ok && standardProperties[k] {
				return out // always set by the JVM
			}
		}
		return nullable("System."+name+" returns null when it is not set", f, p, out)
	case name == "get" && isJavaMap(short):
		return nullable("Map.get returns null for a missing key", f, p, derived("", recv))
	case name == "getProperty" && len(s.args) == 1 && (short == "Properties" || recv.kind == kDict):
		return nullable("Properties.getProperty returns null for a missing key", f, p, derived("java.lang.String", recv))
	case name == "getAttribute" && (strings.Contains(t, "Session") || strings.Contains(t, "Request") || strings.Contains(t, "Context")):
		return nullable(short+".getAttribute returns null when it is not set", f, p, unknown())
	case name == "readLine" && (strings.Contains(t, "Reader") || t == ""):
		return nullable("readLine returns null at the end of the stream", f, p, derived("java.lang.String", recv))
	case (name == "listFiles" || name == "list") && short == "File":
		return nullable("File."+name+" returns null when it is not a readable directory", f, p, &Value{kind: kList, loose: true, typ: "java.io.File[]"})
	case name == "getResourceAsStream" && a0.isConst():
		out := &Value{kind: kObject, typ: "java.io.InputStream", keys: map[string]*Value{"\x00res": a0}}
		return nullable(short+"."+name+" returns null when there is none", f, p, out)
	case name == "getParent" && short == "File", name == "getResource" || name == "getResourceAsStream":
		return nullable(short+"."+name+" returns null when there is none", f, p, derived("", recv))
	case name == "getSession" && a0 != nil && a0.isConst() && a0.c == false:
		return nullable("HttpServletRequest.getSession(false) returns null when there is no session", f, p, &Value{kind: kObject, typ: "javax.servlet.http.HttpSession", keys: map[string]*Value{}})
	case short == "System" && name == "console":
		return nullable("System.console returns null without a terminal", f, p, &Value{kind: kObject, typ: "java.io.Console"})
	case name == "getParentFile" && strings.HasSuffix(t, "File"), (name == "getParent" || name == "getFileName" || name == "getRoot") && strings.HasSuffix(t, "Path"):
		return nullable(short+"."+name+" returns null when there is none", f, p, derived(t, recv))
	case name == "getIfPresent" && strings.Contains(t, "Cache"):
		return nullable("Cache.getIfPresent returns null for a missing key", f, p, unknown())
	case (name == "poll" || name == "peek") && (strings.Contains(t, "Queue") || strings.Contains(t, "Deque")):
		return nullable(short+"."+name+" returns null when empty", f, p, unknown())
	case name == "orElse" && a0 != nil && a0.isConst() && a0.c == nil:
		return nullable("Optional.orElse(null)", f, p, derived("", recv))
	}
	if name == "load" && (recv.kind == kDict || strings.HasSuffix(t, "Properties")) {
		// Properties.load: read the file when the project has it, otherwise
		// the keys are unknown
		if props, ok := f.resource(a0); ok && recv.kind == kDict {
			for k, v := range props {
				recv.setKey("s:"+k, constant(v))
			}
			return constant(nil)
		}
		// the file is not in the project: its keys are unknown, and
		// getProperty(key, default) reads the default
		recv.loose = true
		if a0 != nil && a0.taint != nil {
			recv.summary = join(recv.summary, derived("java.lang.String", a0))
		}
		return constant(nil)
	}
	// StringBuilder
	if strings.HasSuffix(t, "StringBuilder") || strings.HasSuffix(t, "StringBuffer") || strings.HasSuffix(t, "StringWriter") || strings.HasSuffix(t, "StringJoiner") {
		switch name {
		case "append", "insert", "add", "write", "print":
			arg := a0
			if name == "insert" {
				arg = s.arg(1, "")
			}
			mixIn(recv, arg)
			if cur, ok := recv.keys["\x00sb"]; ok {
				x, ok1 := cur.str()
				y, ok2 := constStringJavaV(arg)
				if ok1 && ok2 && name == "append" {
					recv.setKey("\x00sb", constant(x+y))
				} else {
					recv.delKey("\x00sb")
				}
			}
			return recv
		case "toString":
			if cur, ok := recv.keys["\x00sb"]; ok && recv.taint == nil {
				return cur
			}
			return derived("java.lang.String", recv)
		case "setLength", "reverse", "replace", "deleteCharAt", "delete":
			recv.delKey("\x00sb")
			return recv
		}
	}
	switch short {
	case "String":
		switch name {
		case "valueOf", "copyValueOf":
			if c, ok := constStringJavaV(a0); ok {
				return constant(c)
			}
			return derived("java.lang.String", s.args...)
		case "format":
			return derived("java.lang.String", s.args...)
		case "join":
			var in []*Value
			for _, a := range s.args[1:] {
				if a.kind == kList {
					in = append(in, a.all())
				} else {
					in = append(in, a)
				}
			}
			return derived("java.lang.String", append(in, a0)...)
		}
	case "Arrays", "List", "Set", "Collections":
		switch name {
		case "asList", "of", "copyOf":
			if len(s.args) == 1 && s.args[0].kind == kList {
				l := *s.args[0]
				return &l
			}
			return &Value{kind: kList, typ: "java.util.List", elems: append([]*Value(nil), s.args...)}
		case "singletonList":
			return &Value{kind: kList, typ: "java.util.List", elems: append([]*Value(nil), s.args...)}
		}
	case "Map":
		if name == "of" {
			d := newDict()
			for i := 0; i+1 < len(s.args); i += 2 {
				if k, ok := keyOf(s.args[i]); ok {
					d.setKey(k, s.args[i+1])
				}
			}
			return d
		}
	case "Integer", "Long", "Double", "Float", "Short", "Byte", "Boolean":
		switch name {
		case "toString", "toHexString", "toBinaryString":
			return &Value{typ: "java.lang.String"}
		case "valueOf", "parseInt", "parseLong", "parseDouble", "parseFloat", "parseBoolean", "decode":
			if c, ok := a0.int(); ok && a0.kind == kConst {
				return constant(c)
			}
			return &Value{typ: short}
		}
	case "Objects":
		if name == "requireNonNull" && a0 != nil {
			return withoutNull(a0)
		}
		if name == "toString" {
			return derived("java.lang.String", s.args...)
		}
	case "Optional":
		if name == "ofNullable" && a0 != nil {
			return derived("java.util.Optional", a0)
		}
	}
	switch binaryText(t, short, name) {
	case textEncode:
		// Base64 and hex text holds no quote, bracket, markup or shell
		// metacharacter ('/' still makes a path)
		return sanitize(derived("java.lang.String", s.args...), base64Safe)
	case textDecode:
		out := derived("byte[]", s.args...)
		out.san = 0 // what was encoded comes back as it was
		return out
	}
	if short == "URLEncoder" && name == "encode" {
		// %-encoded text holds no quote, bracket or markup ('*' and '.' stay)
		return sanitize(derived("java.lang.String", s.args...), 1<<SQL|1<<XPath|1<<XSS)
	}
	if short == "URLDecoder" && name == "decode" {
		out := derived("java.lang.String", s.args...)
		out.san = 0
		return out
	}
	if strings.HasPrefix(name, "decodeFor") || strings.HasPrefix(name, "unescape") || name == "htmlUnescape" {
		// ESAPI decodeForHTML, commons unescapeHtml4, Spring htmlUnescape
		// undo an encoder
		out := derived("java.lang.String", append([]*Value{recv}, s.args...)...)
		out.san = 0
		return out
	}
	if short == "System" && name == "arraycopy" && len(s.args) == 5 {
		// System.arraycopy(src, i, dst, j, n): dst holds src's elements
		if dst := s.args[2]; dst.kind == kList {
			delete(dst.keys, "\x00const")
			dst.loose = true
			src := s.args[0]
			if src.kind == kList {
				src = src.all()
			}
			dst.summary = join(dst.summary, derived("", src))
		}
		return constant(nil)
	}
	if m, ok := javaSanitizers[name]; ok && (recv.taint != nil || len(s.args) > 0) {
		in := append([]*Value{recv}, s.args...)
		if len(s.args) > 0 && recv.taint == nil {
			in = s.args
		}
		if name == "getName" && !strings.HasSuffix(t, "File") && !strings.HasSuffix(t, "Part") && t != "FilenameUtils" && !strings.HasSuffix(t, "FilenameUtils") {
			return derived("java.lang.String", in...)
		}
		if name == "getFileName" && !strings.Contains(t, "Path") {
			return derived("java.lang.String", in...)
		}
		return sanitize(derived("java.lang.String", in...), m)
	}
	if javaClean[name] {
		return &Value{typ: "int"}
	}
	switch name {
	case "split":
		return &Value{kind: kList, typ: "java.lang.String[]", loose: true, summary: derived("java.lang.String", recv)}
	case "replace", "replaceAll", "replaceFirst":
		if name == "replaceAll" && keepsOnlyWordChars(s.arg(0, ""), s.arg(1, "")) {
			// x.replaceAll("[^A-Za-z0-9_-]", ""): what is left cannot quote,
			// separate or traverse; it is still untrusted for the session
			return sanitize(derived("java.lang.String", recv), checked)
		}
		return f.replace(s, recv)
	case "getBytes", "toCharArray":
		out := derived("byte[]", recv)
		return out
	case "put", "setProperty", "setAttribute", "add", "addElement", "offer", "push", "write", "print", "println", "update":
		if recv.kind == kObject || recv.kind == kUnknown {
			if len(s.args) >= 2 && (name == "put" || name == "setProperty" || name == "setAttribute") {
				f.keyedSet(recv, s.args)
			}
			mixIn(recv, s.args...)
		}
		return constant(nil)
	case "getProperty", "getAttribute", "get", "getString":
		if recv.keys != nil && len(s.args) >= 1 {
			if v, ok := f.keyedGet(recv, s); ok {
				return v
			}
		}
		if name == "getProperty" && len(s.args) == 2 && (recv.kind == kDict || short == "Properties") {
			// Properties.getProperty(key, default): the key is in no file of
			// the project, so the code's own default is the value; input
			// loaded into the properties still flows
			if recv.summary != nil && recv.summary.taint != nil {
				return join(recv.summary, s.args[1])
			}
			return s.args[1]
		}
	}
	q := t + "." + name
	if t == "" {
		q = ""
	}
	out := derived(q+"()", append([]*Value{recv}, s.all()...)...)
	return out
}

// sinkName names the API a finding's data reaches: Statement.executeQuery.
func sinkName(short, name string) string {
	if short == "" || strings.Contains(short, "(") {
		return name
	}
	return short + "." + name
}

func constOr(v *Value) string {
	s, _ := v.str()
	return s
}

func constStringJavaV(v *Value) (string, bool) {
	if v == nil || v.kind != kConst {
		return "", false
	}
	return constStringJava(v.c)
}

func isJavaMap(short string) bool {
	switch short {
	case "Map", "HashMap", "TreeMap", "LinkedHashMap", "Hashtable", "ConcurrentHashMap", "ConcurrentMap", "SortedMap", "NavigableMap", "WeakHashMap":
		return true
	}
	return false
}

func (f *frame) loadType(s *callSite) string {
	if a := s.arg(0, ""); a != nil && strings.HasSuffix(a.typ, ".class") {
		return strings.TrimSuffix(a.typ, ".class")
	}
	return ""
}

// javaCipher checks a Cipher transformation such as "DES/CBC/PKCS5Padding".
func (f *frame) javaCipher(tr string, p ir.Pos) {
	parts := strings.Split(strings.ToUpper(tr), "/")
	alg := parts[0]
	switch alg {
	case "DES", "DESEDE", "TRIPLEDES", "3DES", "RC2", "RC4", "ARCFOUR", "BLOWFISH", "RC5":
		f.flag(rule.JavaWeakCipher, "Cipher.getInstance(\""+tr+"\")", p)
		return
	}
	if alg == "AES" || alg == "RSA" && false {
		if len(parts) == 1 || parts[1] == "ECB" {
			f.flag(rule.JavaECBMode, "Cipher.getInstance(\""+tr+"\") uses ECB", p)
		}
	}
}

// javaCall interprets a call of a library function value (a static import
// or a method reference); unqualified project methods are resolved first.
func (f *frame) javaCall(s *callSite, fn *Value) *Value {
	return derived(fn.typ+"()", s.all()...)
}

// resource reads the properties file a stream was opened on, if the
// project has it.
func (f *frame) resource(stream *Value) (map[string]string, bool) {
	if stream == nil || stream.keys == nil || f.w.a.o.Resource == nil {
		return nil, false
	}
	name, ok := stream.keys["\x00res"].str()
	if !ok {
		return nil, false
	}
	data, ok := f.w.a.o.Resource(name)
	if !ok {
		return nil, false
	}
	return parseProperties(string(data)), true
}

// parseProperties reads the common subset of java.util.Properties' format:
// key=value or key: value lines, # and ! comments, trimmed.
func parseProperties(s string) map[string]string {
	out := map[string]string{}
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' || line[0] == '!' {
			continue
		}
		i := strings.IndexAny(line, "=:")
		if i < 0 {
			out[line] = ""
			continue
		}
		out[strings.TrimSpace(line[:i])] = strings.TrimSpace(line[i+1:])
	}
	return out
}

// keepsOnlyWordChars reports whether replaceAll(pattern, repl) leaves only
// letters, digits, '_' and '-': the pattern is a negated class of those
// ("[^a-zA-Z0-9_-]", optionally with + or *) and the replacement is made of
// them too.
func keepsOnlyWordChars(pattern, repl *Value) bool {
	pat, ok := pattern.str()
	if !ok {
		return false
	}
	r, ok := repl.str()
	if !ok || !wordChars(r) {
		return false
	}
	pat = strings.TrimRight(pat, "+*")
	if !strings.HasPrefix(pat, "[^") || !strings.HasSuffix(pat, "]") || len(pat) < 4 {
		return false
	}
	return wordClass(pat[2 : len(pat)-1])
}

// wordClass reports whether a character class's body (a-zA-Z0-9_-) names
// only word characters: each range stays within the lower-case letters, the
// upper-case letters or the digits.
func wordClass(c string) bool {
	group := func(b byte) int {
		switch {
		case b >= 'a' && b <= 'z':
			return 1
		case b >= 'A' && b <= 'Z':
			return 2
		case b >= '0' && b <= '9':
			return 3
		}
		return 0
	}
	for i := 0; i < len(c); i++ {
		if i+2 < len(c) && c[i+1] == '-' {
			lo, hi := c[i], c[i+2]
			if g := group(lo); g == 0 || g != group(hi) || lo > hi {
				return false
			}
			i += 2
			continue
		}
		if !wordChars(c[i : i+1]) {
			return false
		}
	}
	return true
}

func wordChars(s string) bool {
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

const base64Safe = 1<<SQL | 1<<Cmd | 1<<LDAP | 1<<XPath | 1<<XSS

const (
	textOther = iota
	textEncode
	textDecode
)

// binaryText tells Base64 and hex encoders (java.util.Base64's encoders,
// commons-codec Base64 and Hex) and their decoders.
func binaryText(t, short, name string) int {
	switch {
	case strings.HasSuffix(t, "Base64.getEncoder()") || strings.HasSuffix(t, "Base64.getUrlEncoder()") || strings.HasSuffix(t, "Base64.getMimeEncoder()"):
		if name == "encode" || name == "encodeToString" {
			return textEncode
		}
	case strings.HasSuffix(t, "Base64.getDecoder()") || strings.HasSuffix(t, "Base64.getUrlDecoder()") || strings.HasSuffix(t, "Base64.getMimeDecoder()"):
		if name == "decode" {
			return textDecode
		}
	case short == "Base64":
		switch name {
		case "encodeBase64", "encodeBase64String", "encodeBase64URLSafe", "encodeBase64URLSafeString", "encodeBase64Chunked", "encodeToString":
			return textEncode
		case "decodeBase64", "decode":
			return textDecode
		}
	case short == "Hex":
		switch name {
		case "encodeHex", "encodeHexString":
			return textEncode
		case "decodeHex":
			return textDecode
		}
	}
	return textOther
}

// restrictiveRegex reports whether a whole-string pattern such as
// "^[a-zA-Z0-9_-]+$" or "\\w{1,32}" admits only letters, digits, '_' and '-':
// anchors, quantifiers, word-character classes, \d and \w, literal word
// characters; no '.', alternation, groups or other characters.
func restrictiveRegex(p string) bool {
	if p == "" {
		return false
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '^' || c == '$' || c == '+' || c == '*' || c == '?':
		case c == '{':
			j := strings.IndexByte(p[i:], '}')
			if j < 0 || strings.Trim(p[i+1:i+j], "0123456789,") != "" {
				return false
			}
			i += j
		case c == '\\':
			if i+1 >= len(p) || p[i+1] != 'd' && p[i+1] != 'w' {
				return false
			}
			i++
		case c == '[':
			j := strings.IndexByte(p[i:], ']')
			if j < 0 {
				return false
			}
			body := strings.NewReplacer(`\d`, "0-9", `\w`, "a-zA-Z0-9_").Replace(p[i+1 : i+j])
			if strings.HasPrefix(body, "^") || !wordClass(body) {
				return false
			}
			i += j
		case !wordChars(string(c)):
			return false
		}
	}
	return true
}
