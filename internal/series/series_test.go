package series_test

import (
	"testing"

	"github.com/tendhq/tend/internal/ingest"
	"github.com/tendhq/tend/internal/series"
)

func TestDescribe(t *testing.T) {
	m := series.NewMapper(series.MapperConfig{
		ResourceLabels: map[string]string{"app_server": "host"},
		Stacks:         map[string]string{"web-9": "legacy"},
		Account:        "111122223333", Region: "eu-west-1",
	})
	tests := []struct {
		name     string
		labels   series.Labels
		resType  string
		resID    string
		kind     string
		boundary string
		tagKey   string
	}{
		{"prometheus target", series.Labels{"job": "api", "instance": "10.0.0.1:9100"}, "instance", "instance/api/10.0.0.1:9100", "account", "111122223333", ""},
		{"k8s container", series.Labels{"namespace": "shop", "pod": "cart-7d9f", "container": "cart", "cluster": "prod"}, "container", "container/shop/cart-7d9f/cart", "namespace", "prod/shop", ""},
		{"k8s pod", series.Labels{"namespace": "shop", "pod": "cart-7d9f", "container": "POD"}, "pod", "pod/shop/cart-7d9f", "namespace", "shop", ""},
		{"otel pod", series.Labels{"k8s.namespace.name": "shop", "k8s.pod.name": "cart-1", "k8s.cluster.name": "c1"}, "pod", "pod/shop/cart-1", "namespace", "c1/shop", ""},
		{"node", series.Labels{"node": "ip-10-0-0-1"}, "node", "node/ip-10-0-0-1", "account", "111122223333", ""},
		{"lambda", series.Labels{"FunctionName": "checkout", "stack": "shop"}, "function", "function/checkout", "stack", "shop", ""},
		{"faas", series.Labels{"faas.name": "resize", "aws:cloudformation:stack-name": "media"}, "function", "function/resize", "stack", "media", ""},
		{"rds", series.Labels{"DBInstanceIdentifier": "orders-db", "devops-guru-app": "orders"}, "database", "database/orders-db", "app", "orders", "devops-guru-app"},
		{"otel db", series.Labels{"db.system": "postgresql", "db.name": "orders"}, "database", "database/postgresql/orders", "account", "111122223333", ""},
		{"sqs", series.Labels{"QueueName": "jobs", "Tend-Team": "payments"}, "queue", "queue/jobs", "app", "payments", "tend-team"},
		{"messaging", series.Labels{"messaging.system": "kafka"}, "queue", "queue/kafka", "account", "111122223333", ""},
		{"alb", series.Labels{"LoadBalancer": "app/web/123"}, "loadbalancer", "loadbalancer/app/web/123", "account", "111122223333", ""},
		{"ecs", series.Labels{"ClusterName": "prod", "ServiceName": "api"}, "service", "service/prod/api", "account", "111122223333", ""},
		{"ec2", series.Labels{"InstanceId": "i-0abc", "InstanceType": "m5.large"}, "host", "host/i-0abc", "account", "111122223333", ""},
		{"host agent", series.Labels{"host": "web-1", "tag_devops_guru_shop": "frontend"}, "host", "host/web-1", "app", "frontend", "devops-guru-shop"},
		{"stack mapping", series.Labels{"host.name": "web-9"}, "host", "host/web-9", "stack", "legacy", ""},
		{"otel service", series.Labels{"service.name": "checkout", "service.namespace": "shop", "cloud.account.id": "444455556666"}, "service", "service/shop/checkout", "account", "444455556666", ""},
		{"override", series.Labels{"app_server": "box-3", "job": "x"}, "host", "host/box-3", "account", "111122223333", ""},
		{"nothing", series.Labels{}, "global", "global", "account", "111122223333", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info := m.Describe("m", tt.labels)
			if info.Resource.Type != tt.resType || info.Resource.ID != tt.resID {
				t.Errorf("resource = %+v, want %s %s", info.Resource, tt.resType, tt.resID)
			}
			if info.Boundary.Kind != tt.kind || info.Boundary.Name != tt.boundary || info.Boundary.TagKey != tt.tagKey {
				t.Errorf("boundary = %+v, want %s %s %s", info.Boundary, tt.kind, tt.boundary, tt.tagKey)
			}
			if info.ID != series.IDOf("m", tt.labels) || len(info.ID) != 16 {
				t.Errorf("ID = %q", info.ID)
			}
		})
	}
	ec2 := m.Describe("m", series.Labels{"InstanceId": "i-0abc", "InstanceType": "m5.large", "region": "us-east-1"})
	if ec2.Resource.InstanceID != "i-0abc" || ec2.Resource.InstanceType != "m5.large" || ec2.Boundary.Region != "us-east-1" || ec2.Boundary.Account != "111122223333" {
		t.Errorf("ec2 = %+v", ec2)
	}
	if s := m.Describe("rpc_duration_seconds", series.Labels{"quantile": "0.5"}); s.Statistic != "p50" || s.Unit != "s" {
		t.Errorf("statistic/unit = %q %q", s.Statistic, s.Unit)
	}
}

func TestCoverage(t *testing.T) {
	web := series.Labels{"host": "web-1", "stack": "shop"}
	tagged := series.Labels{"host": "web-2", "DevOps-Guru-App": "orders"}
	other := series.Labels{"host": "web-3", "tend-app": "billing"}
	tests := []struct {
		name string
		cov  series.Coverage
		want [3]bool
	}{
		{"all", series.Coverage{}, [3]bool{true, true, true}},
		{"stacks", series.Coverage{Mode: "stacks", Stacks: []string{"shop"}}, [3]bool{true, false, false}},
		{"tag any value", series.Coverage{Mode: "tag", TagKey: "devops-guru-app"}, [3]bool{false, true, false}},
		{"tag values", series.Coverage{Mode: "tag", TagKey: "tend-app", TagValues: []string{"billing"}}, [3]bool{false, false, true}},
		{"tag other value", series.Coverage{Mode: "tag", TagKey: "tend-app", TagValues: []string{"x"}}, [3]bool{false, false, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := series.NewMapper(series.MapperConfig{Coverage: tt.cov})
			for i, l := range []series.Labels{web, tagged, other} {
				if got := m.Covered(m.Describe("cpu", l)); got != tt.want[i] {
					t.Errorf("series %d covered = %v, want %v", i, got, tt.want[i])
				}
			}
		})
	}
}

func TestNormaliseTagKey(t *testing.T) {
	for in, want := range map[string]string{
		"devops-guru-app": "devops-guru-app", "DevOps-Guru-App": "devops-guru-app", "devops_guru_app": "devops-guru-app",
		"tag_devops_guru_team": "devops-guru-team", "TEND-x": "tend-x", "tend_owner": "tend-owner",
		"devops-guru-": "", "stack": "", "tender": "", "guru-app": "",
	} {
		if got := series.NormaliseTagKey(in); got != want {
			t.Errorf("NormaliseTagKey(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestHashMatchesIDOf(t *testing.T) {
	ls := []ingest.Label{{Name: "a", Value: "1"}, {Name: "b", Value: "2"}}
	if series.FormatID(series.Hash("m", ls)) != series.IDOf("m", series.LabelsOf(ls)) {
		t.Fatal("Hash and IDOf disagree")
	}
	if series.Hash("m", ls) == series.Hash("m", ls[:1]) || series.Hash("ma", nil) == series.Hash("m", []ingest.Label{{Name: "a"}}) {
		t.Fatal("different series hash alike")
	}
}

func TestSelector(t *testing.T) {
	labels := series.Labels{"host": "web-1", "stack": "shop", "k8s.pod.name": "cart-1"}
	tests := []struct {
		sel     string
		want    bool
		wantErr bool
	}{
		{"", true, false},
		{"host_cpu_utilization", true, false},
		{"host_load1", false, false},
		{`host_cpu_utilization{host="web-1"}`, true, false},
		{`{host="web-2"}`, false, false},
		{`{host!="web-2", stack=~"sh.*"}`, true, false},
		{`{stack!~"shop"}`, false, false},
		{`{k8s.pod.name="cart-1"}`, true, false},
		{`{__name__=~"host_.*"}`, true, false},
		{`{missing=""}`, true, false},
		{`{host='web-1'}`, true, false},
		{`{host="web-1",}`, true, false},
		{`{host=web-1}`, false, true},
		{`{host="web-1"`, false, true},
		{`{host~"x"}`, false, true},
		{`{host=~"("}`, false, true},
		{`cpu} x`, false, true},
		{`{="x"}`, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.sel, func(t *testing.T) {
			s, err := series.ParseSelector(tt.sel)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if err == nil && s.Matches("host_cpu_utilization", labels) != tt.want {
				t.Fatalf("Matches = %v, want %v", !tt.want, tt.want)
			}
		})
	}
}

func FuzzParseSelector(f *testing.F) {
	for _, s := range []string{`cpu{a="b",c!~"d.*"}`, `{a='x'}`, `m`, `{`, `{a=~"("}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sel, err := series.ParseSelector(s)
		if err != nil {
			return
		}
		sel.Matches("m", series.Labels{"a": "b"})
	})
}
