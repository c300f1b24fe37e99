package detect

import (
	"encoding/csv"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"
)

func TestDbg(t *testing.T) {
	f := os.Getenv("DBG_FILE")
	if f == "" {
		t.Skip()
	}
	fh, _ := os.Open("/work/shared/nab/data/" + f)
	rows, _ := csv.NewReader(fh).ReadAll()
	e, _ := NewEnsemble(DefaultConfig())
	every, _ := strconv.Atoi(os.Getenv("DBG_EVERY"))
	lo, _ := strconv.Atoi(os.Getenv("DBG_LO"))
	hi, _ := strconv.Atoi(os.Getenv("DBG_HI"))
	for i, r := range rows[1:] {
		ts, _ := time.Parse("2006-01-02 15:04:05", r[0])
		v, _ := strconv.ParseFloat(r[1], 64)
		res := e.Observe(ts, v)
		if (i >= lo && i <= hi && i%every == 0) || res.Score >= 0.5 {
			fmt.Printf("%d %s v=%.4g dev=%.3g sdev=%.3g shift=%.2f sur=%.2f lp=%.2f score=%.3f %s\n", i, r[0], v, e.st.Base.Dev, e.st.Season.Dev, e.st.Season.Shift, e.sur, e.st.PrevLP, res.Score, res.Reason)
		}
	}
}
