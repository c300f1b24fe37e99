package devopsguru_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The real clients: Debian's awscli (/usr/bin/aws) and python3-boto3
// (/usr/bin/python3). CI installs both (.ci/run); locally the tests skip
// when they are missing.

const debianAWS = "/usr/bin/aws"

// clientEnv is an environment with no AWS configuration but the key: no
// config or credentials files, no instance metadata, no pager.
func clientEnv(t *testing.T, id, secret string) []string {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	return []string{"PATH=/usr/bin:/bin", "HOME=" + dir, "LANG=C.UTF-8",
		"AWS_ACCESS_KEY_ID=" + id, "AWS_SECRET_ACCESS_KEY=" + secret, "AWS_DEFAULT_REGION=eu-west-1",
		"AWS_CONFIG_FILE=" + empty, "AWS_SHARED_CREDENTIALS_FILE=" + empty, "AWS_EC2_METADATA_DISABLED=true",
		"AWS_PAGER=", "AWS_RETRY_MODE=standard", "AWS_MAX_ATTEMPTS=1"}
}

func runClient(t *testing.T, env []string, name string, args ...string) (string, string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	return out.String(), errb.String(), err
}

// TestAWSCLI runs `aws devops-guru …` against tend: a few invocations only,
// as awscli starts slowly.
func TestAWSCLI(t *testing.T) {
	if _, err := os.Stat(debianAWS); err != nil {
		t.Skip("Debian's awscli is not installed (apt-get install awscli)")
	}
	ts := startTend(t)
	ts.seed(t, 250)
	id, secret := ts.key(t, []string{"read"})
	env := clientEnv(t, id, secret)

	// awscli pages by itself: 100 at a time, merged into one answer.
	out, stderr, err := runClient(t, env, debianAWS, "devops-guru", "list-insights",
		"--status-filter", `{"Ongoing":{"Type":"REACTIVE"}}`, "--page-size", "100", "--endpoint-url", ts.endpoint, "--output", "json")
	if err != nil {
		t.Fatalf("aws devops-guru list-insights: %v\n%s", err, stderr)
	}
	var list struct {
		ReactiveInsights []struct {
			Id, Status, Severity string
			InsightTimeRange     struct{ StartTime string }
		}
	}
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatalf("list-insights output: %v\n%s", err, out)
	}
	if len(list.ReactiveInsights) != 214 || list.ReactiveInsights[0].Id != "ins-0249" || list.ReactiveInsights[0].Status != "ONGOING" {
		t.Fatalf("list-insights: %d insights, first %+v", len(list.ReactiveInsights), list.ReactiveInsights[0])
	}

	out, stderr, err = runClient(t, env, debianAWS, "devops-guru", "describe-insight", "--id", "ins-0007",
		"--endpoint-url", ts.endpoint, "--output", "json")
	if err != nil {
		t.Fatalf("aws devops-guru describe-insight: %v\n%s", err, stderr)
	}
	if !strings.Contains(out, `"ReactiveInsight"`) || !strings.Contains(out, `"CLOSED"`) || !strings.Contains(out, `"shop"`) {
		t.Fatalf("describe-insight: %s", out)
	}

	// A wrong secret is refused with the service's error.
	bad := clientEnv(t, id, strings.Repeat("x", 40))
	_, stderr, err = runClient(t, bad, debianAWS, "devops-guru", "list-anomalies-for-insight", "--insight-id", "ins-0003",
		"--endpoint-url", ts.endpoint)
	if err == nil || !strings.Contains(stderr, "InvalidSignatureException") {
		t.Fatalf("wrong secret: err %v, stderr %s", err, stderr)
	}
	t.Logf("wrong secret: %s", strings.TrimSpace(stderr))

	// An operation tend does not serve answers as the service answers an
	// unknown one.
	_, stderr, err = runClient(t, env, debianAWS, "devops-guru", "describe-feedback", "--endpoint-url", ts.endpoint)
	if err == nil || !strings.Contains(stderr, "UnknownOperationException") {
		t.Fatalf("unsupported operation: err %v, stderr %s", err, stderr)
	}
	t.Logf("unsupported operation: %s", strings.TrimSpace(stderr))
}

const debianPython = "/usr/bin/python3"

// TestBoto3 runs a boto3 script with paginators against tend.
func TestBoto3(t *testing.T) {
	if err := exec.Command(debianPython, "-c", "import boto3").Run(); err != nil {
		t.Skip("python3-boto3 is not installed (apt-get install python3-boto3)")
	}
	ts := startTend(t)
	ts.seed(t, 250)
	id, secret := ts.key(t, []string{"read"})
	from := ts.base.Add(-time.Minute)
	out, stderr, err := runClient(t, clientEnv(t, id, secret), debianPython, "testdata/boto3_client.py",
		ts.endpoint, id, secret, strconv.FormatInt(from.Unix(), 10))
	if err != nil {
		t.Fatalf("boto3: %v\n%s", err, stderr)
	}
	type apiErr struct {
		Code    string
		Status  int
		Message string
	}
	var got struct {
		Pages             int `json:"list_pages"`
		IDs               int `json:"list_ids"`
		Unique            int `json:"list_unique"`
		SearchHighOngoing int `json:"search_high_ongoing"`
		Describe          struct {
			Id, Status, Severity string
			Start                float64
			Stacks               []string
		} `json:"describe"`
		Anomaly struct {
			Id, MetricName, Namespace, Stat string
			Period, Points                  int
		} `json:"anomaly"`
		Health           struct{ OpenReactiveInsights, OpenProactiveInsights int } `json:"health"`
		WrongSecret      apiErr                                                    `json:"wrong_secret"`
		UnknownOperation apiErr                                                    `json:"unknown_operation"`
		NotFound         apiErr                                                    `json:"not_found"`
		Validation       apiErr                                                    `json:"validation"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("boto3 output: %v\n%s", err, out)
	}
	t.Logf("boto3: %s", out)
	if got.Pages != 3 || got.IDs != 250 || got.Unique != 250 {
		t.Errorf("paginator: %d insights (%d distinct) in %d pages, want 250 in 3", got.IDs, got.Unique, got.Pages)
	}
	// HIGH is every third (i%3 == 2), ongoing unless i%7 == 0.
	want := 0
	for i := range 250 {
		if i%3 == 2 && i%7 != 0 {
			want++
		}
	}
	if got.SearchHighOngoing != want {
		t.Errorf("search: %d high ongoing, want %d", got.SearchHighOngoing, want)
	}
	if got.Describe.Id != "ins-0010" || got.Describe.Status != "ONGOING" || got.Describe.Severity != "MEDIUM" ||
		int64(got.Describe.Start) != ts.base.Add(10*time.Minute).Unix() || len(got.Describe.Stacks) != 1 {
		t.Errorf("describe: %+v", got.Describe)
	}
	if got.Anomaly.Id != "anom-0010" || got.Anomaly.MetricName != "node_cpu_utilization" || got.Anomaly.Stat != "Average" || got.Anomaly.Period != 60 || got.Anomaly.Points != 2 {
		t.Errorf("anomaly: %+v", got.Anomaly)
	}
	if got.Health.OpenReactiveInsights != 214 || got.Health.OpenProactiveInsights != 1 {
		t.Errorf("health: %+v", got.Health)
	}
	for name, c := range map[string]struct {
		got    apiErr
		code   string
		status int
	}{
		"wrong secret":      {got.WrongSecret, "InvalidSignatureException", 403},
		"unknown operation": {got.UnknownOperation, "UnknownOperationException", 404},
		"not found":         {got.NotFound, "ResourceNotFoundException", 404},
		"validation":        {got.Validation, "ValidationException", 400},
	} {
		if c.got.Code != c.code || c.got.Status != c.status || c.got.Message == "" {
			t.Errorf("%s: %+v, want %s %d with a message", name, c.got, c.code, c.status)
		}
	}
}
