// perfgate/report/markdown.hpp - The verdict as Markdown, for a pull request's page.
//
// What a CI job posts where the reviewer looks (GitHub's job summary, $GITHUB_STEP_SUMMARY, or a
// pull-request comment): one line per run with its verdict, then, per run, its rules as a table
// (rule, measured, limit, samples, pass or fail, tier, note: an A/B or baseline change with its
// interval). Load runs and benchmark runs read alike. Text from results (metric keys, notes) is
// escaped so a `|` or `<` cannot break the table.
#pragma once

#include <string>
#include <vector>

#include "perfgate/metrics/run_result.hpp"

namespace perfgate::report {

std::string markdown_report(const std::vector<metrics::RunResult>& runs, const std::string& title);

}  // namespace perfgate::report
