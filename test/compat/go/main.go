// Command compat drives Apache's Go client (rocketmq-client-go v2) through one scenario per
// process: `compat <scenario> '<json args>'`. It prints what the client observed as one line,
// "@@result {json}", and leaves every judgement to the TypeScript suite; a failure is
// "@@error message" and exit status 1. The client's own logs go to stderr.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/apache/rocketmq-client-go/v2/rlog"
)

// Args is what every scenario may read; each uses the fields it needs.
type Args struct {
	Namesrv string `json:"namesrv"`
	Topic   string `json:"topic"`
	Group   string `json:"group"`
	Count   int    `json:"count"`
	Prefix  string `json:"prefix"`
	// Tags to send round-robin, and the subscription expression.
	Tags       []string `json:"tags"`
	Expression string   `json:"expression"`
	Keys       []string `json:"keys"`
	Levels     []int    `json:"levels"`
	TimeoutMs  int      `json:"timeoutMs"`
	// How long a consumer keeps listening after it has what it expected, to catch extras.
	SettleMs int `json:"settleMs"`
}

type scenario func(args Args) (any, error)

var scenarios = map[string]scenario{
	"send-sync":   sendSyncScenario,
	"send-async":  sendAsyncScenario,
	"push-tags":   pushTagsScenario,
	"orderly":     orderlyScenario,
	"delay":       delayScenario,
	"pull-poll":   pullPollScenario,
	"pull-offset": pullOffsetScenario,
}

func main() {
	rlog.SetLogLevel("error")
	if len(os.Args) < 2 {
		fail(fmt.Errorf("usage: compat <%s> '<json args>'", strings.Join(names(), "|")))
	}
	run, ok := scenarios[os.Args[1]]
	if !ok {
		fail(fmt.Errorf("unknown scenario %q (%s)", os.Args[1], strings.Join(names(), ", ")))
	}
	var args Args
	if len(os.Args) > 2 {
		if err := json.Unmarshal([]byte(os.Args[2]), &args); err != nil {
			fail(fmt.Errorf("arguments: %w", err))
		}
	}
	if args.TimeoutMs <= 0 {
		args.TimeoutMs = 30_000
	}
	result, err := run(args)
	if err != nil {
		fail(err)
	}
	line, err := json.Marshal(result)
	if err != nil {
		fail(err)
	}
	fmt.Printf("@@result %s\n", line)
	// Clients' background goroutines need not finish: the answer is out.
	os.Exit(0)
}

func names() []string {
	list := make([]string, 0, len(scenarios))
	for name := range scenarios {
		list = append(list, name)
	}
	sort.Strings(list)
	return list
}

func fail(err error) {
	fmt.Printf("@@error %s\n", strings.ReplaceAll(err.Error(), "\n", " "))
	os.Exit(1)
}
