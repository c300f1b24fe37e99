package dynatrace

import (
	"context"
	"fmt"
	"testing"

	"github.com/tendhq/tend/internal/cloud/dynatrace/dynatracetest"
)

func BenchmarkParseProblem(b *testing.B) {
	body := readFile(b, "problem_cpu.json")
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := ParseProblem(body); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEnrichAndComment measures one problem's Dynatrace work over HTTP
// against the fake: GET problem, GET entity, list comments, POST comment.
func BenchmarkEnrichAndComment(b *testing.B) {
	fake := dynatracetest.NewFake()
	defer fake.Close()
	c, err := New(Config{BaseURL: fake.URL, Token: dynatracetest.Token}, fake.Client(), nil)
	if err != nil {
		b.Fatal(err)
	}
	fake.AddEntity(dynatracetest.EC2Host(hostID, "web-1", "i-0abc123def4567890", "t3.small", nil))
	ctx := context.Background()
	i := 0
	for b.Loop() {
		i++
		id := fmt.Sprintf("P%d", i)
		fake.AddProblem(dynatracetest.CPUSaturation(id, "P-1", hostID, "web-1"))
		if _, err := c.Problem(ctx, id); err != nil {
			b.Fatal(err)
		}
		if _, err := c.Entity(ctx, hostID); err != nil {
			b.Fatal(err)
		}
		if _, err := c.Comments(ctx, id); err != nil {
			b.Fatal(err)
		}
		if err := c.Comment(ctx, id, "tend: done"); err != nil {
			b.Fatal(err)
		}
	}
}
