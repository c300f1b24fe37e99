package taint_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/tendhq/tend/internal/review/ir"
	"github.com/tendhq/tend/internal/review/java"
	"github.com/tendhq/tend/internal/review/python"
	"github.com/tendhq/tend/internal/review/taint"
)

func analyse(t *testing.T, lang ir.Lang, files map[string]string) []taint.Finding {
	t.Helper()
	var mods []*ir.Module
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		var m *ir.Module
		var err error
		if lang == ir.Java {
			m, err = java.Parse(context.Background(), n, []byte(files[n]))
		} else {
			m, err = python.Parse(context.Background(), n, strings.TrimSuffix(strings.ReplaceAll(n, "/", "."), ".py"), []byte(files[n]))
		}
		if err != nil {
			t.Fatal(err)
		}
		mods = append(mods, m)
	}
	fs, err := taint.NewProject(mods).Analyze(context.Background(), taint.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return fs
}

func rules(fs []taint.Finding) string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Rule)
	}
	return strings.Join(out, ",")
}

const flaskHead = "from flask import request\nimport os, subprocess\n\ndef h():\n    p = request.args.get('x')\n"

// Each case is the body of a handler after p = <request input>; want is the
// rules reported, in order.
func TestPython(t *testing.T) {
	for _, tc := range []struct{ name, body, want string }{
		{"direct", "os.system(p)", "py/command-injection"},
		{"constant condition true", "bar = 'safe' if 7 * 18 + 106 > 200 else p\n    os.system(bar)", ""},
		{"constant condition false", "bar = 'safe' if 7 * 18 + 10 > 200 else p\n    os.system(bar)", "py/command-injection"},
		{"dead if", "num = 86\n    if 7 * 42 - num > 200:\n        bar = 'x'\n    else:\n        bar = p\n    os.system(bar)", ""},
		{"string membership", "bar = 'never'\n    if 'should' in bar:\n        bar = p\n    os.system(bar)", ""},
		{"match on constant", "g = 'ABC'[1]\n    match g:\n        case 'A':\n            bar = p\n        case 'B':\n            bar = 'bob'\n        case _:\n            bar = p\n    os.system(bar)", ""},
		{"list pop", "l = ['a', p, 'b']\n    l.pop(0)\n    os.system(l[1])", ""},
		{"list pop taint", "l = ['a', p, 'b']\n    l.pop(0)\n    os.system(l[0])", "py/command-injection"},
		{"dict constant key", "d = {}\n    d['a'] = 'x'\n    d['b'] = p\n    os.system(d['a'])", ""},
		{"dict tainted key", "d = {'a': 'x'}\n    d['b'] = p\n    os.system(d['b'])", "py/command-injection"},
		{"configparser", "import configparser\n    c = configparser.ConfigParser()\n    c.set('s', 'a', 'v')\n    c.set('s', 'b', p)\n    os.system(c.get('s', 'a'))", ""},
		{"helper", "def wrap(s):\n        return 'x' + s\n    os.system(wrap(p))", "py/command-injection"},
		{"generator", "def gen(v):\n        yield 'a'\n        yield v\n    for x in gen(p):\n        os.system(x)", "py/command-injection"},
		{"generator of constants", "def gen(v):\n        yield 'a'\n    for x in gen(p):\n        os.system(x)", ""},
		{"helper drops input", "def wrap(s):\n        return 'x'\n    os.system(wrap(p))", ""},
		{"int sanitizes", "os.system('kill ' + str(int(p)))", ""},
		{"quote sanitizes", "import shlex\n    os.system('echo ' + shlex.quote(p))", ""},
		{"blocklist exit", "if ';' in p:\n        return\n    os.system('echo ' + p)", ""},
		{"blocklist no exit", "if ';' in p:\n        print(p)\n    os.system('echo ' + p)", "py/command-injection"},
		{"allowlist", "if p in ['a', 'b']:\n        os.system(p)", ""},
		{"either check", "out = ''\n    for c in p:\n        if c.isalnum() or c in ['-', '_']:\n            out += c\n    os.system('ls ' + out)", ""},
		{"either check, one fails", "out = ''\n    for c in p:\n        if c.isalnum() or len(c) > 0:\n            out += c\n    os.system('ls ' + out)", "py/command-injection"},
		{"characters checked, still a redirect", "import flask\n    if p.isalnum():\n        flask.redirect(p)", "py/open-redirect"},
		{"loop over input", "for c in p:\n        os.system(c)", "py/command-injection"},
		{"list argv without shell", "subprocess.run(['ls', p])", ""},
		{"list argv with shell", "subprocess.run(['sh', '-c', 'ls ' + p])", "py/command-injection"},
		{"shell=True", "subprocess.run('ls ' + p, shell=True)", "py/command-injection"},
		{"binding", "cur.execute('SELECT 1 WHERE a = ?', (p,))", ""},
		{"format", "cur.execute('SELECT {0}'.format(p))", "py/sql-injection"},
		{"percent", "cur.execute('SELECT %s' % p)", "py/sql-injection"},
		{"basename", "open(os.path.basename(p))", ""},
		{"open", "open('/srv/' + p)", "py/path-traversal"},
		{"base64 round trip", "import base64\n    t = base64.b64encode(p.encode())\n    open(base64.b64decode(t).decode())", "py/path-traversal"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := rules(analyse(t, ir.Python, map[string]string{"h.py": flaskHead + "    " + tc.body + "\n"}))
			if got != tc.want {
				t.Errorf("got %q, want %q\n%s", got, tc.want, tc.body)
			}
		})
	}
}

func TestPythonAcrossModules(t *testing.T) {
	fs := analyse(t, ir.Python, map[string]string{
		"pkg/__init__.py": "",
		"pkg/wrap.py":     "class Req:\n    def __init__(self, r):\n        self.r = r\n    def param(self, n):\n        return self.r.args.get(n)\n    def safe(self, n):\n        return 'bar'\n",
		"pkg/view.py":     "from flask import request\nimport os\nimport pkg.wrap\n\ndef a():\n    w = pkg.wrap.Req(request)\n    os.system(w.param('x'))\n\ndef b():\n    w = pkg.wrap.Req(request)\n    os.system(w.safe('x'))\n",
	})
	if len(fs) != 1 || fs[0].File != "pkg/view.py" || fs[0].Pos.Line != 7 {
		t.Fatalf("findings %+v, want one at pkg/view.py:7", fs)
	}
}

func TestFlaskRoutes(t *testing.T) {
	const head = "from flask import Flask, request, make_response\nimport os\napp = Flask(__name__)\n\n"
	for _, tc := range []struct{ name, src, want string }{
		{"fixed route path", "@app.route('/a/b')\ndef h():\n    os.system(request.path.split('/')[1])\n", ""},
		{"route with a variable", "@app.route('/a/<x>')\ndef h(x):\n    os.system(request.path.split('/')[2])\n", "py/command-injection"},
		{"route parameter", "@app.route('/a/<x>')\ndef h(x):\n    os.system(x)\n", "py/command-injection"},
		{"body reflected", "@app.route('/a')\ndef h():\n    return 'hi ' + request.args['n']\n", "py/reflected-xss"},
		{"header only", "@app.route('/a')\ndef h():\n    return make_response(('ok', {'X-N': request.args['n']}))\n", ""},
		{"json", "@app.route('/a')\ndef h():\n    return {'n': request.args['n']}\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := rules(analyse(t, ir.Python, map[string]string{"r.py": head + tc.src})); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestCircularImports(t *testing.T) {
	fs := analyse(t, ir.Python, map[string]string{
		"a.py": "import b\nimport os\nX = 'x'\n\ndef f(v):\n    os.system(b.g(v))\n",
		"b.py": "import a\nfrom flask import request\n\ndef g(v):\n    return v + a.X\n\ndef h():\n    a.f(request.args['q'])\n",
	})
	// the sink in a.py, and the call in b.py that passes it the request
	if len(fs) != 2 || fs[0].File != "a.py" || fs[1].File != "b.py" || fs[1].Pos.Line != 8 {
		t.Fatalf("findings %+v, want the command injection in a.py and its call at b.py:8", fs)
	}
}

func TestSelfNamedBase(t *testing.T) {
	src := "import json\nclass A(B):\n    pass\nclass B(A):\n    def m(self):\n        return 1\nclass JSONDecodeError(json.JSONDecodeError):\n    pass\nclass C(C):\n    pass\nA().m()\nC().x()\nA().nothing()\n"
	analyse(t, ir.Python, map[string]string{"s.py": src})
}

func TestCrypto(t *testing.T) {
	for _, tc := range []struct{ name, src, want string }{
		{"md5", "import hashlib\nhashlib.md5(b'x')", "py/weak-hash"},
		{"md5 not for security", "import hashlib\nhashlib.md5(b'x', usedforsecurity=False)", ""},
		{"new sha1 through constant", "import hashlib\nA = 'SHA1'\nhashlib.new(A.lower())", "py/weak-hash"},
		{"sha256", "import hashlib\nhashlib.new('sha256')", ""},
		{"pbkdf2 iterations", "import hashlib\nhashlib.pbkdf2_hmac('sha256', b'p', b's', 10000)", "py/weak-pbkdf2"},
		{"random", "import random\nrandom.randint(0, 9)", "py/insecure-random"},
		{"system random", "import random\nrandom.SystemRandom().randint(0, 9)", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := rules(analyse(t, ir.Python, map[string]string{"c.py": tc.src + "\n"})); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

const servlet = `import javax.servlet.http.*;
public class S extends HttpServlet {
  public void doPost(HttpServletRequest request, HttpServletResponse response) throws Exception {
    String p = request.getParameter("x");
    if (p == null) p = "";
    %s
  }
}
`

func TestJava(t *testing.T) {
	for _, tc := range []struct{ name, body, want string }{
		{"statement", `java.sql.Statement st = c.createStatement(); st.executeQuery("SELECT " + p);`, "java/sql-injection"},
		{"prepared with binding", `java.sql.PreparedStatement ps = c.prepareStatement("SELECT ?"); ps.setString(1, p); ps.executeQuery();`, ""},
		{"ternary constant", `int num = 106; String bar = (7 * 18) + num > 200 ? "safe" : p; c.createStatement().execute(bar);`, ""},
		{"switch on charAt", `String bar; switch ("ABC".charAt(1)) { case 'A': bar = p; break; case 'B': bar = "bob"; break; default: bar = p; } Runtime.getRuntime().exec(bar);`, ""},
		{"switch fall-through", `String bar = "x"; switch ("ABC".charAt(1)) { case 'B': bar = "bob"; case 'C': bar = p; break; default: bar = "z"; } Runtime.getRuntime().exec(bar);`, "java/command-injection"},
		{"list remove", `java.util.List<String> l = new java.util.ArrayList<>(); l.add("a"); l.add(p); l.add("b"); l.remove(0); Runtime.getRuntime().exec(l.get(1));`, ""},
		{"map", `java.util.Map<String,String> m = new java.util.HashMap<>(); m.put("a", "x"); m.put("b", p); Runtime.getRuntime().exec(m.get("b"));`, "java/command-injection"},
		{"string builder", `StringBuilder sb = new StringBuilder("ls "); sb.append(p); Runtime.getRuntime().exec(sb.toString());`, "java/command-injection"},
		{"file", `new java.io.File("/tmp/" + p);`, "java/path-traversal"},
		{"parseInt", `int n = Integer.parseInt(p); new java.io.File("/tmp/" + n);`, ""},
		{"stream read fills the buffer", `java.io.InputStream in = request.getInputStream(); byte[] b = new byte[8]; in.read(b); new java.io.File(new String(b));`, "java/path-traversal"},
		{"allowlist replaceAll", `new java.io.File("/tmp/" + p.replaceAll("[^a-zA-Z0-9_-]", ""));`, ""},
		{"wide range replaceAll", `new java.io.File("/tmp/" + p.replaceAll("[^0-z]", ""));`, "java/path-traversal"},
		{"writer append chain", `response.getWriter().append("<p>").append(p);`, "java/reflected-xss"},
		{"for over a null array", `for (Cookie c : request.getCookies()) { c.getName(); }`, "java/null-dereference"},
		{"length of a null array", `String[] v = request.getParameterValues("v"); int n = v.length;`, "java/null-dereference"},
		{"length after a check", `String[] v = request.getParameterValues("v"); int n = v != null ? v.length : 0;`, ""},
		{"switch expression, constant subject", `String bar = switch ("ABC".charAt(1)) { case 'A' -> p; case 'B' -> "bob"; default -> p; }; Runtime.getRuntime().exec(bar);`, ""},
		{"switch expression, input arm", `String bar = switch ("ABC".charAt(2)) { case 'A' -> "a"; case 'B', 'C' -> p; default -> "z"; }; Runtime.getRuntime().exec(bar);`, "java/command-injection"},
		{"switch expression with yield", `String bar = switch (p.length()) { case 1: yield p; default: yield "x"; }; Runtime.getRuntime().exec(bar);`, "java/command-injection"},
		{"arraycopy", `char[] a = p.toCharArray(); char[] b = new char[8]; System.arraycopy(a, 0, b, 0, 8); Runtime.getRuntime().exec(new String(b));`, "java/command-injection"},
		{"decode after encode", `String e = org.owasp.esapi.ESAPI.encoder().encodeForHTML(p); response.getWriter().println(org.owasp.esapi.ESAPI.encoder().decodeForHTML(e));`, "java/reflected-xss"},
		{"deque push and pop", `java.util.Deque<String> d = new java.util.ArrayDeque<>(); d.push("a"); d.push(p); Runtime.getRuntime().exec(d.pop());`, "java/command-injection"},
		{"deque, other end", `java.util.Deque<String> d = new java.util.ArrayDeque<>(); d.push(p); d.push("a"); Runtime.getRuntime().exec(d.pop());`, ""},
		{"stack pop", `java.util.Stack<String> d = new java.util.Stack<>(); d.push(p); d.push("a"); Runtime.getRuntime().exec(d.pop());`, ""},
		{"matches word characters", `if (!p.matches("^[a-zA-Z0-9_-]+$")) { return; } Runtime.getRuntime().exec("echo " + p);`, ""},
		{"matches \\w", `if (p.matches("\\w{1,16}")) { Runtime.getRuntime().exec("echo " + p); }`, ""},
		{"matches a wide pattern", `if (!p.matches("[a-z ;]+")) { return; } Runtime.getRuntime().exec("echo " + p);`, "java/command-injection"},
		{"matches dot", `if (p.matches(".+")) { Runtime.getRuntime().exec("echo " + p); }`, "java/command-injection"},
		{"url encoded", `response.getWriter().println(java.net.URLEncoder.encode(p, "UTF-8"));`, ""},
		{"url encoded and decoded", `response.getWriter().println(java.net.URLDecoder.decode(java.net.URLEncoder.encode(p, "UTF-8"), "UTF-8"));`, "java/reflected-xss"},
		{"array element stores", `String[] a = new String[2]; a[0] = "x"; a[1] = p; Runtime.getRuntime().exec(a[0]);`, ""},
		{"array element stores, input", `String[] a = new String[2]; a[0] = "x"; a[1] = p; Runtime.getRuntime().exec(a[1]);`, "java/command-injection"},
		{"array stored by a loop", `String[] a = new String[2]; for (int i = 0; i < 2; i++) { a[i] = p; } Runtime.getRuntime().exec(a[0]);`, "java/command-injection"},
		{"integer division", `int num = 189; String bar; if ((500 / 42) + num > 200) bar = p; else bar = "safe"; Runtime.getRuntime().exec(bar);`, ""},
		{"integer division, other side", `int num = 190; String bar; if ((500 / 42) + num > 200) bar = p; else bar = "safe"; Runtime.getRuntime().exec(bar);`, "java/command-injection"},
		{"remainder", `int num = 7; String bar = (num % 3 == 1) ? "safe" : p; Runtime.getRuntime().exec(bar);`, ""},
		{"prefix check", `if (p.startsWith("abc")) { Runtime.getRuntime().exec("echo " + p); }`, "java/command-injection"},
		{"array length", `byte[] b = p.getBytes(); response.getWriter().println(b.length);`, ""},
		{"base64 text", `response.getWriter().println(java.util.Base64.getEncoder().encodeToString(p.getBytes()));`, ""},
		{"base64 round trip", `byte[] e = java.util.Base64.getEncoder().encode(p.getBytes()); response.getWriter().println(new String(java.util.Base64.getDecoder().decode(e)));`, "java/reflected-xss"},
		{"properties default", `java.util.Properties pr = new java.util.Properties(); pr.load(getClass().getResourceAsStream("none.properties")); java.security.MessageDigest.getInstance(pr.getProperty("h", "MD5"));`, "java/weak-hash"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := rules(analyse(t, ir.Java, map[string]string{"S.java": strings.Replace(servlet, "%s", tc.body, 1)}))
			if got != tc.want {
				t.Errorf("got %q, want %q\n%s", got, tc.want, tc.body)
			}
		})
	}
}

// Every servlet may declare its own private class Test: a name means the
// class of its own file.
func TestJavaSameNamedNestedClasses(t *testing.T) {
	const src = "public class %s extends HttpServlet {\n  public void doPost(HttpServletRequest req, HttpServletResponse res) throws Exception {\n    String p = req.getParameter(\"x\");\n    Runtime.getRuntime().exec(new Test().pick(p));\n  }\n  private class Test {\n    String pick(String v) { return %s; }\n  }\n}\n"
	fs := analyse(t, ir.Java, map[string]string{
		"A.java": fmt.Sprintf(src, "A", "v"),
		"B.java": fmt.Sprintf(src, "B", "\"constant\""),
	})
	if len(fs) != 1 || fs[0].File != "A.java" {
		t.Fatalf("findings %+v, want one in A.java", fs)
	}
}

// A parameter declared java.util.Random may be a SecureRandom: the call is
// judged where the generator is made.
func TestJavaRandomParameter(t *testing.T) {
	const src = "public class R {\n  static long roll(java.util.Random r) { return r.nextLong(); }\n  long %s() { return roll(new %s()); }\n}\n"
	fs := analyse(t, ir.Java, map[string]string{
		"A.java": fmt.Sprintf(src, "a", "java.security.SecureRandom"),
		"B.java": fmt.Sprintf(src, "b", "java.util.Random"),
	})
	if len(fs) != 1 || fs[0].File != "B.java" || fs[0].Rule != "java/insecure-random" {
		t.Fatalf("findings %+v, want one java/insecure-random in B.java", fs)
	}
}

func TestJavaInjectedService(t *testing.T) {
	fs := analyse(t, ir.Java, map[string]string{
		"Repo.java": "public class Repo {\n  public Item find(String id) {\n    if (id.isEmpty()) { return null; }\n    return new Item(id);\n  }\n}\n",
		"Svc.java":  "public class Svc {\n  private Repo repo;\n  public String name(String id) {\n    Item it = repo.find(id);\n    return it.getName();\n  }\n}\n",
	})
	if len(fs) != 1 || fs[0].File != "Svc.java" || fs[0].Pos.Line != 5 {
		t.Fatalf("findings %+v, want the dereference in Svc.java:5", fs)
	}
}

func TestJavaNullChecks(t *testing.T) {
	const src = "import java.util.*;\npublic class C {\n  Object f(Map<String, String> m, Map<String, Integer> n, String k) {\n    %s\n  }\n}\n"
	for _, tc := range []struct{ name, body, want string }{
		{"containsKey then get", `if (m.containsKey(k)) { return m.get(k).trim(); } return null;`, ""},
		{"get checked then get", `if (m.get(k) != null) { return m.get(k).trim(); } return null;`, ""},
		{"check on one branch only", `if (k.isEmpty() && m.containsKey(k)) { k = "x"; } return m.get(k).trim();`, "java/null-dereference"},
		{"unboxed by arithmetic", `Integer c = n.get(k); return c + 1;`, "java/null-dereference"},
		{"unboxed into a primitive", `int c = n.get(k); return c;`, "java/null-dereference"},
		{"concatenation", `return "a" + m.get(k);`, ""},
		{"switch on null", `switch (m.get(k)) { case "a": return 1; default: return 2; }`, "java/null-dereference"},
		{"StringUtils.isNotEmpty", `String v = m.get(k); if (org.apache.commons.lang3.StringUtils.isNotEmpty(v)) { return v.trim(); } return null;`, ""},
		{"Strings.isNullOrEmpty", `String v = m.get(k); if (com.google.common.base.Strings.isNullOrEmpty(v)) { return null; } return v.trim();`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := rules(analyse(t, ir.Java, map[string]string{"C.java": fmt.Sprintf(src, tc.body)}))
			if got != tc.want {
				t.Errorf("got %q, want %q\n%s", got, tc.want, tc.body)
			}
		})
	}
}

func TestJavaNullableParameter(t *testing.T) {
	const src = "public class P {\n  int a(@Nullable String s) { return s.length(); }\n  int b(@Nullable String s) { return s == null ? 0 : s.length(); }\n}\n"
	fs := analyse(t, ir.Java, map[string]string{"P.java": src})
	if len(fs) != 1 || fs[0].Pos.Line != 2 || fs[0].Rule != "java/null-dereference" {
		t.Fatalf("findings %+v, want one in a()", fs)
	}
}

func TestJavaNull(t *testing.T) {
	const tmpl = "import java.util.*;\npublic class N {\n  String f(Map<String, String> m, String k) {\n    %s\n  }\n}\n"
	for _, tc := range []struct{ name, body, want string }{
		{"map get", `String v = m.get(k); return v.trim();`, "java/null-dereference"},
		{"checked", `String v = m.get(k); if (v == null) { return ""; } return v.trim();`, ""},
		{"checked positive", `String v = m.get(k); if (v != null) { return v.trim(); } return "";`, ""},
		{"check does not dominate", `String v = m.get(k); if (v != null) { v.length(); } return v.trim();`, "java/null-dereference"},
		{"default", `String v = m.getOrDefault(k, ""); return v.trim();`, ""},
		{"property", `return System.getProperty(k).trim();`, "java/null-dereference"},
		{"property default", `return System.getProperty(k, "x").trim();`, ""},
		{"reassigned", `String v = m.get(k); if (v == null) v = "none"; return v.trim();`, ""},
		{"null literal on a path", `String v = null; if (k.isEmpty()) { v = "x"; } return v.trim();`, "java/null-dereference"},
		{"requireNonNull", `String v = Objects.requireNonNull(m.get(k)); return v.trim();`, ""},
		{"parent file", `return new java.io.File(k).getParentFile().getName();`, "java/null-dereference"},
		{"and-and guard", `String v = m.get(k); if (v != null && v.length() > 2) { return v; } return "";`, ""},
		{"non-short-circuit guard", `String v = m.get(k); if (v != null & v.length() > 2) { return v; } return "";`, "java/null-dereference"},
		{"early return", `String v = m.get(k); if (v == null) throw new IllegalStateException(); return v.trim();`, ""},
		{"ternary", `String v = m.get(k); return v == null ? "" : v.trim();`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := rules(analyse(t, ir.Java, map[string]string{"N.java": strings.Replace(tmpl, "%s", tc.body, 1)}))
			if got != tc.want {
				t.Errorf("got %q, want %q\n%s", got, tc.want, tc.body)
			}
		})
	}
}
