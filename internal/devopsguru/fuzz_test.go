package devopsguru

import (
	"encoding/json"
	"testing"
)

// FuzzRequests feeds request bodies to the decoding and validation of the
// operations that take structured input: no panic, and every refusal is a
// 400 with a type.
func FuzzRequests(f *testing.F) {
	for _, s := range []string{
		`{"StatusFilter":{"Ongoing":{"Type":"REACTIVE"}},"MaxResults":100}`,
		`{"StatusFilter":{"Closed":{"Type":"PROACTIVE","EndTimeRange":{"FromTime":1,"ToTime":"2026-01-01T00:00:00Z"}}}}`,
		`{"StatusFilter":{"Any":{"Type":"REACTIVE","StartTimeRange":{}}},"NextToken":"00000000-0000-0000-0000-000000000000"}`,
		`{"StartTimeRange":{"FromTime":0},"Type":"REACTIVE","Filters":{"Severities":["HIGH"],"ResourceCollection":{"CloudFormation":{"StackNames":["*"]},"Tags":[{"AppBoundaryKey":"devops-guru-app","TagValues":["*"]}]}}}`,
		`{"Action":"REMOVE","ResourceCollection":{"Tags":[{"AppBoundaryKey":"devops-guru-x","TagValues":[]}]}}`,
		`{"Action":"ADD","ResourceCollection":{"CloudFormation":{"StackNames":["a","*"]}}}`,
		`[]`, `null`, `{"MaxResults":-1}`,
	} {
		f.Add(s)
	}
	h := New(Options{})
	f.Fuzz(func(t *testing.T, body string) {
		check := func(e *Error) {
			if e != nil && (e.Status != 400 || e.Type == "") {
				t.Fatalf("%s: %+v", body, e)
			}
		}
		c := &call{body: []byte(body)}
		var li ListInsightsRequest
		if e := c.decode(&li); e == nil {
			_, e := h.listQueryFromStatus(li)
			check(e)
			_, e = checkMax("MaxResults", li.MaxResults, 1, 100, 100)
			check(e)
			if li.NextToken != "" {
				_, e = decodeToken(li.NextToken)
				check(e)
			}
		} else {
			check(e)
		}
		var si SearchInsightsRequest
		if json.Unmarshal([]byte(body), &si) == nil {
			q, e := h.searchQuery(si)
			check(e)
			if e == nil && q.keep != nil {
				q.keep(testInsight)
			}
		}
		var ur updateCollectionRequest
		if json.Unmarshal([]byte(body), &ur) == nil && ur.ResourceCollection != nil {
			var stacks []string
			if ur.ResourceCollection.CloudFormation != nil {
				stacks = ur.ResourceCollection.CloudFormation.StackNames
			}
			if len(stacks) > 0 || len(ur.ResourceCollection.Tags) > 0 {
				for _, cur := range []Coverage{{Mode: "all"}, {Mode: "stacks", Stacks: []string{"a"}}, {Mode: "tag", TagKey: "devops-guru-x", TagValues: []string{"v"}}} {
					_, e := applyUpdate(cur, ur.Action, stacks, ur.ResourceCollection.Tags)
					check(e)
				}
			}
		}
	})
}
