package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/store"
)

func testStacks(t *testing.T, s store.Store) {
	ctx := context.Background()
	st := s.Stacks()
	at := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	if _, err := st.Resources(ctx, "shop"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Resources(unknown) = %v, want ErrNotFound", err)
	}
	first := []store.StackResource{
		{Type: "AWS::EC2::Instance", LogicalID: "Web0", PhysicalID: "i-0abc", TerraformAddress: "aws_instance.web[0]"},
		{Type: "AWS::SQS::Queue", LogicalID: "Jobs", PhysicalID: "https://sqs/jobs", ARN: "arn:aws:sqs:eu-west-1:1:jobs"},
	}
	if err := st.Replace(ctx, "shop", first, at); err != nil {
		t.Fatal(err)
	}
	if err := st.Replace(ctx, "shop", first[:1], at.Add(time.Hour)); err != nil { // re-registration replaces
		t.Fatal(err)
	}
	if err := st.Replace(ctx, "blog", []store.StackResource{{Type: "AWS::Lambda::Function", LogicalID: "Fn", PhysicalID: "render"}}, at); err != nil {
		t.Fatal(err)
	}
	got, err := st.Resources(ctx, "shop")
	if err != nil || len(got) != 1 || got[0].PhysicalID != "i-0abc" || got[0].Stack != "shop" || got[0].TerraformAddress != "aws_instance.web[0]" {
		t.Fatalf("Resources(shop) = %+v, %v", got, err)
	}
	list, err := st.List(ctx)
	if err != nil || len(list) != 2 || list[0].Name != "blog" || list[1].Resources != 1 || !list[1].RegisteredAt.Equal(at.Add(time.Hour)) {
		t.Fatalf("List = %+v, %v", list, err)
	}
	all, err := st.All(ctx)
	if err != nil || len(all) != 2 {
		t.Fatalf("All = %+v, %v", all, err)
	}
	dup := []store.StackResource{{LogicalID: "A", PhysicalID: "1"}, {LogicalID: "A", PhysicalID: "2"}}
	if err := st.Replace(ctx, "shop", dup, at); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("Replace(duplicate logical ids) = %v, want ErrConflict", err)
	}
	if got, _ := st.Resources(ctx, "shop"); len(got) != 1 {
		t.Fatalf("a failed Replace changed the stack: %+v", got)
	}
}
