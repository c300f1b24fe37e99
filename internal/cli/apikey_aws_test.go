package cli

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	dg "github.com/aws/aws-sdk-go-v2/service/devopsguru"

	"github.com/tendhq/tend/internal/app"
	"github.com/tendhq/tend/internal/config"
)

// TestAPIKeyAWS: a key from `tend apikey create --aws` signs requests a
// tend over the same data directory accepts; list shows it, revoke revokes it.
func TestAPIKeyAWS(t *testing.T) {
	dir := t.TempDir()
	code, out, errOut := runCLI(t, nil, "apikey", "create", "--aws", "--name", "dash", "--scope", "read", "--account", "111111111111", "--data-dir", dir)
	if code != 0 {
		t.Fatalf("create: %d %s", code, errOut)
	}
	env := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		k, v, _ := strings.Cut(line, "=")
		env[k] = v
	}
	id, secret := env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]
	if len(id) != 20 || len(secret) != 40 || strings.Contains(errOut, secret) {
		t.Fatalf("create printed %q / %q", out, errOut)
	}

	cfg := config.Default()
	cfg.DataDir = dir
	a, err := app.New(context.Background(), &cfg, app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler())
	defer func() {
		srv.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = a.Stop(ctx)
	}()
	c := dg.New(dg.Options{Region: "eu-west-1", BaseEndpoint: aws.String(srv.URL + "/devops-guru"),
		Credentials: credentials.NewStaticCredentialsProvider(id, secret, ""), Retryer: aws.NopRetryer{}})
	if _, err := c.DescribeAccountHealth(context.Background(), &dg.DescribeAccountHealthInput{}); err != nil {
		t.Fatalf("a request signed with the CLI's key: %v", err)
	}

	if code, out, _ := runCLI(t, nil, "apikey", "list", "--data-dir", dir); code != 0 || !strings.Contains(out, id) || !strings.Contains(out, "111111111111") || strings.Contains(out, secret) {
		t.Fatalf("list: %d %s", code, out)
	}
	if code, out, errOut := runCLI(t, nil, "apikey", "revoke", id, "--data-dir", dir); code != 0 || !strings.Contains(out, "Revoked AWS access key") {
		t.Fatalf("revoke: %d %s %s", code, out, errOut)
	}
	if code, out, _ := runCLI(t, nil, "apikey", "list", "--data-dir", dir); code != 0 || !strings.Contains(out, "revoked") {
		t.Fatalf("list after revoke: %s", out)
	}
	if code, _, errOut := runCLI(t, nil, "apikey", "create", "--aws", "--name", "x", "--scope", "root", "--data-dir", dir); code == 0 || !strings.Contains(errOut, "--scope") {
		t.Fatalf("a bad scope: %d %s", code, errOut)
	}
}
