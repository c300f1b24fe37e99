package app

import (
	"context"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/series"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/storetest"
)

// A stack registered by tend import terraform --deploy becomes the boundary
// of the series of its resources.
func TestRegisteredStackIsABoundary(t *testing.T) {
	ctx := context.Background()
	s := storetest.OpenSQLite(t)
	if err := s.Stacks().Replace(ctx, "shop", []store.StackResource{
		{Type: "AWS::EC2::Instance", LogicalID: "Web", PhysicalID: "i-0abc"},
		{Type: "AWS::Lambda::Function", LogicalID: "Fn", PhysicalID: "render", ARN: "arn:aws:lambda:eu-west-1:1:function:render"},
	}, time.Now()); err != nil {
		t.Fatal(err)
	}
	m, err := stackMapping(ctx, s, map[string]string{"host/db-1": "data", "render": "blog"})
	if err != nil {
		t.Fatal(err)
	}
	mapper := series.NewMapper(series.MapperConfig{Stacks: m})
	tests := []struct {
		labels series.Labels
		want   string
	}{
		{series.Labels{"host": "web-1", "instance_id": "i-0abc"}, "shop"},
		{series.Labels{"host": "db-1"}, "data"},
		{series.Labels{"FunctionName": "render"}, "blog"}, // configuration wins
		{series.Labels{"host": "other"}, ""},
	}
	for _, tt := range tests {
		b := mapper.Describe("host_cpu_utilization", tt.labels).Boundary
		got := ""
		if b.Kind == series.KindStack {
			got = b.Name
		}
		if got != tt.want {
			t.Errorf("%v → stack %q (%+v), want %q", tt.labels, got, b, tt.want)
		}
	}
}
