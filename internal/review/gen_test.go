package review

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// genRepo writes a synthetic repository of about lines lines: Python
// packages whose modules call each other's helpers, with classes, loops,
// dicts and request handlers, and Java services with fields and helpers.
func genRepo(tb testing.TB, dir string, lines int) {
	tb.Helper()
	write := func(p, s string) {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	total := 0
	for m := 0; total < lines; m++ {
		var sb strings.Builder
		pkg := fmt.Sprintf("pkg%d", m/20)
		if m%20 == 0 {
			write(filepath.Join(dir, pkg, "__init__.py"), "")
		}
		if m%5 == 4 {
			// a Java file
			fmt.Fprintf(&sb, "package svc;\n\nimport java.util.*;\nimport javax.servlet.http.*;\n\npublic class Service%d extends HttpServlet {\n    private final Map<String, String> cache = new HashMap<>();\n\n", m)
			for f := 0; f < 12; f++ {
				fmt.Fprintf(&sb, `    public String handle%[1]d(HttpServletRequest request, String key) throws Exception {
        String v = cache.get(key);
        if (v == null) {
            v = request.getParameter("k%[1]d");
            cache.put(key, v == null ? "" : v);
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 3; i++) {
            sb.append(key).append(i);
        }
        List<String> parts = new ArrayList<>();
        parts.add(sb.toString());
        parts.add("x");
        switch (parts.size()) {
            case 1: return parts.get(0);
            case 2: return normalise%[1]d(parts.get(1));
            default: return "";
        }
    }

    private String normalise%[1]d(String s) {
        return s.trim().toLowerCase();
    }

`, f)
			}
			sb.WriteString("}\n")
			write(filepath.Join(dir, "java", fmt.Sprintf("Service%d.java", m)), sb.String())
		} else {
			fmt.Fprintf(&sb, "\"\"\"Module %d: helpers and handlers.\"\"\"\nimport os\nimport hashlib\nfrom flask import request\n", m)
			if m > 0 {
				fmt.Fprintf(&sb, "from %s import mod%d as prev\n", fmt.Sprintf("pkg%d", (m-1)/20), m-1)
			}
			sb.WriteString("\nSETTINGS = {'mode': 'fast', 'depth': 3}\n\n\nclass Store:\n    def __init__(self, name):\n        self.name = name\n        self.items = []\n\n    def add(self, x):\n        self.items.append(x)\n        return len(self.items)\n\n    def first(self):\n        return self.items[0] if self.items else None\n\n\n")
			for f := 0; f < 14; f++ {
				call := "str(x)"
				if m > 0 && m%5 != 0 {
					call = fmt.Sprintf("prev.helper%d(x)", f)
				}
				fmt.Fprintf(&sb, `def helper%[1]d(x):
    """Normalise x."""
    out = []
    for part in str(x).split(","):
        part = part.strip()
        if not part:
            continue
        out.append(part.lower())
    return ",".join(out)


def handler%[1]d():
    name = request.args.get("n%[1]d", "")
    store = Store(name)
    store.add(%[2]s)
    key = hashlib.sha256(name.encode()).hexdigest()
    if SETTINGS["mode"] == "fast":
        path = os.path.join("/srv/data", os.path.basename(name))
    else:
        path = "/dev/null"
    with open(path) as fh:
        data = fh.read()
    return {"key": key, "size": len(data), "first": store.first()}


`, f, call)
			}
			write(filepath.Join(dir, pkg, fmt.Sprintf("mod%d.py", m)), sb.String())
		}
		total += strings.Count(sb.String(), "\n")
	}
}

// BenchmarkReview100k reviews a generated repository of 100,000 lines on
// one core, end to end.
func BenchmarkReview100k(b *testing.B) {
	dir := b.TempDir()
	genRepo(b, dir, 100_000)
	asCLI(b)
	var size int64
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		rep, err := Review(t0ctx(), []string{dir}, Options{Workers: 1})
		if err != nil {
			b.Fatal(err)
		}
		size = rep.Bytes
		b.ReportMetric(float64(rep.Lines), "lines")
		b.ReportMetric(float64(len(rep.Findings)), "findings")
	}
	b.ReportMetric(float64(size)*float64(b.N)/1e6/(cpuTime()-cpu0).Seconds(), "MB/cpu-s")
	b.SetBytes(size)
}

// TestReviewLargeRepository checks that a large repository reviews in
// bounded memory and that its findings are the planted ones only.
func TestReviewLargeRepository(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	dir := t.TempDir()
	genRepo(t, dir, 20_000)
	rep, err := Review(t0ctx(), []string{dir}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Lines < 20_000 || len(rep.Errors) > 0 {
		t.Fatalf("%d lines, errors %v", rep.Lines, rep.Errors)
	}
	for _, f := range rep.Findings {
		t.Errorf("unexpected finding %s:%d %s %s", f.File, f.Line, f.Rule, f.Message)
	}
}
