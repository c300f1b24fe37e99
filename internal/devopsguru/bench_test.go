package devopsguru_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/tendhq/tend/internal/app"
	"github.com/tendhq/tend/internal/config"
	"github.com/tendhq/tend/internal/devopsguru"
	"github.com/tendhq/tend/internal/store"
)

// BenchmarkListInsights serves signed ListInsights requests in-process
// (the app's handler, embedded store with 10,000 insights): the first page
// of 100 and a page 50 deep (its NextToken).
//
//	go test -run XXX -bench ListInsights -benchtime 2s ./internal/devopsguru/
func BenchmarkListInsights(b *testing.B) {
	cfg := config.Default()
	cfg.DataDir = b.TempDir()
	ctx := context.Background()
	a, err := app.New(ctx, &cfg, app.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer a.Stop(ctx)
	base := time.Now().Add(-30 * 24 * time.Hour)
	for i := range 10000 {
		start := base.Add(time.Duration(i) * time.Minute)
		if err := a.Store().Insights().Create(ctx, store.Insight{ID: fmt.Sprintf("ins-%05d", i), Type: store.InsightReactive,
			Status: store.InsightOngoing, Severity: store.SeverityHigh, Name: "CPU saturation", BoundaryKey: fmt.Sprintf("stack::s%d", i),
			BoundaryKind: "stack", BoundaryName: "shop", Account: "111111111111", StartedAt: start, CreatedAt: start, UpdatedAt: start}); err != nil {
			b.Fatal(err)
		}
	}
	keys, err := devopsguru.OpenKeys(a.Store().(awsKeyStore).AWSKeys(), cfg.DataDir, nil)
	if err != nil {
		b.Fatal(err)
	}
	rec, secret, err := keys.Create(ctx, "bench", []string{"read"}, nil)
	if err != nil {
		b.Fatal(err)
	}
	h := a.Handler()
	serve := func(body string) string {
		req := httptest.NewRequest(http.MethodPost, "http://tend/devops-guru/insights", strings.NewReader(body))
		sum := sha256.Sum256([]byte(body))
		if err := v4.NewSigner().SignHTTP(ctx, aws.Credentials{AccessKeyID: rec.AccessKeyID, SecretAccessKey: secret}, req,
			hex.EncodeToString(sum[:]), devopsguru.SigningName, "eu-west-1", time.Now()); err != nil {
			b.Fatal(err)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != 200 {
			b.Fatalf("%d %s", w.Code, w.Body)
		}
		out, _ := io.ReadAll(w.Body)
		return string(out)
	}
	page := func(token string) string {
		body := `{"StatusFilter":{"Ongoing":{"Type":"REACTIVE"}},"MaxResults":100`
		if token != "" {
			body += `,"NextToken":"` + token + `"`
		}
		return body + "}"
	}
	tokenOf := func(out string) string {
		_, rest, _ := strings.Cut(out, `"NextToken":"`)
		tok, _, _ := strings.Cut(rest, `"`)
		return tok
	}
	tok := ""
	for range 50 {
		tok = tokenOf(serve(page(tok)))
	}
	b.Run("first-page", func(b *testing.B) {
		for b.Loop() {
			serve(page(""))
		}
	})
	b.Run("page-51", func(b *testing.B) {
		for b.Loop() {
			serve(page(tok))
		}
	})
}
