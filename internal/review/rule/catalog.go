package rule

// Rule IDs. They are part of tend's interface: baselines, SARIF results and
// suppressions refer to them, so an ID never changes meaning.
const (
	PySQLInjection    = "py/sql-injection"
	PyPathTraversal   = "py/path-traversal"
	PyCommandInj      = "py/command-injection"
	PyCodeInjection   = "py/code-injection"
	PyDeserialization = "py/unsafe-deserialization"
	PyLDAPInjection   = "py/ldap-injection"
	PyXPathInjection  = "py/xpath-injection"
	PyOpenRedirect    = "py/open-redirect"
	PyTrustBoundary   = "py/trust-boundary"
	PyXSS             = "py/reflected-xss"
	PyXXE             = "py/xxe"
	PyInsecureCookie  = "py/insecure-cookie"
	PyWeakHash        = "py/weak-hash"
	PyWeakPBKDF2      = "py/weak-pbkdf2"
	PyECBMode         = "py/ecb-mode"
	PyWeakCipher      = "py/weak-cipher"
	PyStaticIV        = "py/static-iv"
	PyWeakRandom      = "py/insecure-random"

	JavaSQLInjection   = "java/sql-injection"
	JavaPathTraversal  = "java/path-traversal"
	JavaCommandInj     = "java/command-injection"
	JavaLDAPInjection  = "java/ldap-injection"
	JavaXPathInjection = "java/xpath-injection"
	JavaOpenRedirect   = "java/open-redirect"
	JavaTrustBoundary  = "java/trust-boundary"
	JavaXSS            = "java/reflected-xss"
	JavaInsecureCookie = "java/insecure-cookie"
	JavaWeakHash       = "java/weak-hash"
	JavaWeakCipher     = "java/weak-cipher"
	JavaECBMode        = "java/ecb-mode"
	JavaStaticIV       = "java/static-iv"
	JavaWeakPBKDF2     = "java/weak-pbkdf2"
	JavaWeakRandom     = "java/insecure-random"
	JavaNullDeref      = "java/null-dereference"
)

func init() {
	for _, lang := range []struct{ prefix, name string }{{"py", "python"}, {"java", "java"}} {
		inj := func(id string, cwe int, sev Severity, name, msg, rec, fixPy, fixJava string) {
			fix := fixPy
			if lang.name == "java" {
				fix = fixJava
			}
			if fix == "" {
				return
			}
			add(Rule{ID: lang.prefix + "/" + id, Lang: lang.name, CWE: cwe, Severity: sev, Name: name, Message: msg, Recommendation: rec, Fix: fix})
		}
		inj("sql-injection", 89, High, "SQL injection",
			"A SQL statement is built from untrusted input.",
			"It looks like a SQL query is built by concatenating or formatting untrusted input, which lets an attacker change the query. We recommend passing the input as a bound parameter (a placeholder in the query and the value beside it) and never formatting it into the SQL text.",
			"cur.execute(\"SELECT name FROM users WHERE id = ?\", (user_id,))",
			"PreparedStatement ps = conn.prepareStatement(\"SELECT name FROM users WHERE id = ?\");\nps.setString(1, userId);\nResultSet rs = ps.executeQuery();")
		inj("path-traversal", 22, High, "Path traversal",
			"A file path is built from untrusted input.",
			"It looks like untrusted input reaches a file system call, so a value such as ../../etc/passwd can read or write files outside the intended directory. We recommend reducing the input to a file name (os.path.basename or werkzeug's secure_filename), or resolving the path and checking that it stays inside the base directory before using it.",
			"name = werkzeug.utils.secure_filename(request.args[\"name\"])\npath = (BASE / name).resolve()\nif not path.is_relative_to(BASE):\n    abort(400)\nwith open(path) as f: ...",
			"Path p = base.resolve(name).normalize();\nif (!p.startsWith(base)) throw new IllegalArgumentException(\"bad path\");\nInputStream in = Files.newInputStream(p);")
		inj("command-injection", 78, High, "OS command injection",
			"An operating system command is built from untrusted input.",
			"It looks like untrusted input becomes part of a shell command, so characters such as ; or $( ) run commands of the attacker's choice. We recommend running the program directly with an argument list and no shell, and validating the argument against an allow-list.",
			"subprocess.run([\"echo\", value], shell=False, check=True)",
			"ProcessBuilder pb = new ProcessBuilder(\"echo\", value); // no shell\npb.start();")
		inj("code-injection", 94, Critical, "Code injection",
			"Untrusted input is evaluated as code.",
			"It looks like untrusted input reaches eval, exec or compile, or is used as a template's source (Jinja2 Template, Environment.from_string), which runs whatever code an attacker sends. We recommend never evaluating input; parse literals with ast.literal_eval, use a lookup table of allowed operations, and keep templates fixed, passing input to them only as data.",
			"value = ast.literal_eval(text)", "")
		inj("unsafe-deserialization", 502, High, "Deserialization of untrusted data",
			"Untrusted input is deserialized with a loader that can run code.",
			"It looks like untrusted data is passed to pickle, marshal or yaml.load with an unsafe loader, which can construct arbitrary objects and run code. We recommend a data-only format (json) or yaml.safe_load.",
			"data = yaml.safe_load(text)  # or json.loads(text)", "")
		inj("ldap-injection", 90, High, "LDAP injection",
			"An LDAP filter is built from untrusted input.",
			"It looks like untrusted input is formatted into an LDAP search filter, so characters such as * ( ) change the query. We recommend escaping the value with ldap3.utils.conv.escape_filter_chars (Java: an encoder for LDAP filters) before building the filter.",
			"flt = f\"(uid={escape_filter_chars(uid)})\"",
			"String flt = \"(uid=\" + LdapEncoder.filterEncode(uid) + \")\";")
		inj("xpath-injection", 643, High, "XPath injection",
			"An XPath expression is built from untrusted input.",
			"It looks like untrusted input is formatted into an XPath query. We recommend an XPath variable bound to the value ($name with lxml's xpath(query, name=value)) instead of building the expression.",
			"nodes = root.xpath(\"/Employees/Employee[@id=$id]\", id=value)",
			"xpath.setXPathVariableResolver(v -> value);\nxpath.evaluate(\"/Employees/Employee[@id=$id]\", doc);")
		inj("open-redirect", 601, Medium, "Open redirect",
			"A redirect target comes from untrusted input.",
			"It looks like the client is redirected to a URL taken from the request, which lets phishing links borrow your domain. We recommend redirecting only to relative paths or to hosts on an allow-list, checked after parsing the URL.",
			"u = urllib.parse.urlparse(target)\nif u.netloc not in ALLOWED_HOSTS: abort(400)\nreturn redirect(target)",
			"URI u = new URI(target);\nif (!ALLOWED_HOSTS.contains(u.getHost())) throw new IllegalArgumentException();\nresponse.sendRedirect(target);")
		inj("trust-boundary", 501, Medium, "Trust boundary violation",
			"Untrusted input is stored in the session next to trusted data.",
			"It looks like a value from the request is stored in the server-side session, where later code trusts it. We recommend validating the value before storing it, or keeping request data out of the session.",
			"if user_id.isdigit():\n    session[\"userid\"] = int(user_id)",
			"if (userId.matches(\"[0-9]+\")) request.getSession().setAttribute(\"userid\", userId);")
		inj("reflected-xss", 79, High, "Cross-site scripting",
			"Untrusted input is written into an HTML response without escaping.",
			"It looks like request input is returned in the response body as HTML without being escaped. We recommend rendering through an auto-escaping template, or escaping with html.escape / markupsafe.escape (Java: an HTML encoder) at output.",
			"return f\"<p>Hello {html.escape(name)}</p>\"",
			"response.getWriter().print(org.owasp.encoder.Encode.forHtml(name));")
		inj("xxe", 611, High, "XML external entity expansion",
			"An XML parser that resolves external entities parses untrusted input.",
			"It looks like the XML parser is configured to resolve external entities, so a document can read local files or reach internal hosts. We recommend leaving external entities disabled (defusedxml, or lxml with resolve_entities=False).",
			"doc = defusedxml.minidom.parseString(text)", "")
		inj("insecure-cookie", 614, Low, "Cookie without the Secure flag",
			"A cookie is set without the Secure flag.",
			"It looks like a cookie is sent without the Secure attribute, so it also travels over plain HTTP. We recommend secure=True (and httponly=True, samesite) for every cookie that carries state.",
			"resp.set_cookie(\"session\", value, secure=True, httponly=True, samesite=\"Lax\")",
			"Cookie c = new Cookie(\"session\", value);\nc.setSecure(true);\nc.setHttpOnly(true);")
		inj("weak-hash", 328, Medium, "Weak hash algorithm",
			"A weak hash algorithm (MD5 or SHA-1) is used.",
			"It looks like MD5 or SHA-1 is used, which are broken for collision resistance and too fast for passwords. We recommend SHA-256 or better for integrity, and a password hash (scrypt, argon2, PBKDF2 with SHA-256 and ≥ 600,000 iterations) for passwords. If the hash is not used for security, say so with usedforsecurity=False.",
			"digest = hashlib.sha256(data).hexdigest()",
			"MessageDigest md = MessageDigest.getInstance(\"SHA-256\");")
		inj("weak-pbkdf2", 916, Medium, "Weak password hashing",
			"PBKDF2 is used with SHA-1 or with too few iterations.",
			"It looks like PBKDF2 is called with SHA-1 or with fewer than 100,000 iterations, which makes stored passwords cheap to brute-force. We recommend PBKDF2-HMAC-SHA256 with at least 600,000 iterations (OWASP), or scrypt/argon2.",
			"key = hashlib.pbkdf2_hmac(\"sha256\", password, salt, 600_000)",
			"SecretKeyFactory f = SecretKeyFactory.getInstance(\"PBKDF2WithHmacSHA256\");\nKeySpec spec = new PBEKeySpec(password, salt, 600_000, 256);")
		inj("ecb-mode", 327, Medium, "ECB cipher mode",
			"A block cipher is used in ECB mode.",
			"It looks like a block cipher runs in ECB mode, which encrypts equal blocks to equal ciphertext and leaks patterns. We recommend an authenticated mode such as AES-GCM with a fresh random nonce for every message.",
			"aesgcm = AESGCM(key); ct = aesgcm.encrypt(os.urandom(12), data, None)",
			"Cipher c = Cipher.getInstance(\"AES/GCM/NoPadding\");")
		inj("weak-cipher", 327, Medium, "Weak cipher algorithm",
			"A broken or weak cipher (DES, 3DES, RC4, Blowfish, RC2) is used.",
			"It looks like a cipher with a short key or known breaks is used. We recommend AES (GCM mode) or ChaCha20-Poly1305.",
			"cipher = Cipher(algorithms.AES(key), modes.GCM(nonce))",
			"Cipher c = Cipher.getInstance(\"AES/GCM/NoPadding\");")
		inj("static-iv", 329, Medium, "Static initialisation vector",
			"A cipher is initialised with a constant IV or nonce.",
			"It looks like the IV or nonce is a constant, so equal plaintexts encrypt alike and, with GCM or CTR, keys can be recovered. We recommend a fresh random IV for every message (os.urandom / SecureRandom), stored beside the ciphertext.",
			"iv = os.urandom(16)\ncipher = Cipher(algorithms.AES(key), modes.CBC(iv))",
			"byte[] iv = new byte[16];\nnew SecureRandom().nextBytes(iv);\nc.init(Cipher.ENCRYPT_MODE, key, new IvParameterSpec(iv));")
		inj("insecure-random", 330, Medium, "Insecure randomness",
			"A predictable random generator produces a value.",
			"It looks like a non-cryptographic random generator (Python's random, java.util.Random, Math.random) is used; its output can be predicted from a few samples. If the value is a token, password, key or session identifier, we recommend the secrets module (Java: SecureRandom).",
			"token = secrets.token_urlsafe(32)",
			"SecureRandom rnd = new SecureRandom();\nbyte[] token = new byte[32];\nrnd.nextBytes(token);")
	}
	add(Rule{ID: JavaNullDeref, Lang: "java", CWE: 476, Severity: Medium, Name: "Null pointer dereference",
		Message:        "A value that may be null is dereferenced without a null check.",
		Recommendation: "It looks like the value returned by an API that returns null when nothing is found (for example DynamoDBMapper.load when the item does not exist, Map.get for a missing key, System.getProperty for an unset property) is used without a null check on every path, which throws a NullPointerException. We recommend checking the value for null before using it, or using an API with a default (getOrDefault, getProperty(key, default), Optional).",
		Fix:            "Item item = mapper.load(Item.class, id);\nif (item == null) {\n    throw new NotFoundException(id);\n}\nitem.getName();"})
}
