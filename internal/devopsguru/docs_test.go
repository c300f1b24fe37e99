package devopsguru_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// docsBlock returns the fenced block after "<!-- tested: name -->" in
// docs/devops-guru-api.md.
func docsBlock(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("../../docs/devops-guru-api.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "<!-- tested: "+name+" -->\n")
	if !ok {
		t.Fatalf("docs/devops-guru-api.md has no block marked %q", name)
	}
	_, rest, _ = strings.Cut(rest, "\n") // the opening fence
	block, _, ok := strings.Cut(rest, "\n```")
	if !ok {
		t.Fatalf("block %q is not closed", name)
	}
	return block
}

// TestDocsExamples runs the awscli and boto3 examples of
// docs/devops-guru-api.md against tend, as they are written.
func TestDocsExamples(t *testing.T) {
	_, errAWS := os.Stat(debianAWS)
	errBoto := exec.Command(debianPython, "-c", "import boto3").Run()
	if errAWS != nil && errBoto != nil {
		t.Skip("neither Debian's awscli nor python3-boto3 is installed")
	}
	ts := startTend(t)
	ts.seed(t, 12)
	id, secret := ts.key(t, []string{"read"})
	env := append(clientEnv(t, id, secret), "TEND="+ts.endpoint)

	if errAWS == nil {
		var script []string
		for _, line := range strings.Split(docsBlock(t, "aws"), "\n") {
			if strings.HasPrefix(line, "export AWS_ACCESS_KEY_ID=") {
				continue // the example key: the test's own is in the environment
			}
			script = append(script, line)
		}
		out, stderr, err := runClient(t, env, "/bin/sh", "-e", "-c", strings.Join(script, "\n"))
		if err != nil {
			t.Fatalf("the awscli example: %v\n%s\n%s", err, stderr, out)
		}
		for _, want := range []string{`"ReactiveInsights"`, `"Id": "ins-0011"`, `"ReactiveInsight"`, `"ReactiveAnomalies"`, `"node_cpu_utilization"`, `"Recommendations"`} {
			if !strings.Contains(out, want) {
				t.Errorf("the awscli example's output lacks %s:\n%s", want, out)
			}
		}
	}
	if errBoto == nil {
		out, stderr, err := runClient(t, env, debianPython, "-c", docsBlock(t, "boto3"))
		if err != nil {
			t.Fatalf("the boto3 example: %v\n%s", err, stderr)
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if len(lines) != 12 || !strings.HasPrefix(lines[0], "ins-0011 HIGH ONGOING CPU saturation on web-11 ['node_cpu_utilization']") {
			t.Errorf("the boto3 example printed:\n%s", out)
		}
	}
}
