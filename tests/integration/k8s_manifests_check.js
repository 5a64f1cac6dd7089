// k8s_manifests_check.js SOURCE_DIR BIN_DIR WORK_DIR REFERENCE_URL
//
// Checks deploy/k8s as a cluster would take it, in three steps:
//   1. every manifest parses and validates against Kubernetes' schemas (kubernetes-models);
//   2. the manifests agree: completions, parallelism and --shard's count; JOB_COMPLETION_INDEX
//      from the Job's annotation; the merge Job reads where the shards write; every ConfigMap,
//      key and claim named exists; every program is one the image holds;
//   3. they run: each shard pod's command with its environment resolved and its mounts mapped
//      to local folders, as the kubelet would give them, then the merge pod's; the merged run
//      must exist, rest on every shard and pass.
// Run by ctest/k8s-manifests-check.sh, which installs the npm packages and starts the service.
"use strict";
const fs = require("fs");
const path = require("path");
const { spawn } = require("child_process");
const yaml = require("js-yaml");
const { ConfigMap, PersistentVolumeClaim } = require("kubernetes-models/v1");
const { Job } = require("kubernetes-models/batch/v1");

const [source, bin, work, referenceUrl] = process.argv.slice(2);
const models = {
  "v1/ConfigMap": ConfigMap,
  "v1/PersistentVolumeClaim": PersistentVolumeClaim,
  "batch/v1/Job": Job,
};
const kIndexAnnotation = "metadata.annotations['batch.kubernetes.io/job-completion-index']";
const kImageBin = "/opt/perfgate/bin";
// Made by `kubectl create configmap perfgate-thresholds --from-file=thresholds/` (docs/SHARDS.md).
const kTablesConfigMap = "perfgate-thresholds";

let failures = 0;
function check(ok, what) {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
  if (!ok) failures++;
  return ok;
}

// 1. Parse and validate.
const dir = path.join(source, "deploy/k8s");
const objects = [];
for (const file of fs.readdirSync(dir).filter((f) => f.endsWith(".yaml")).sort()) {
  let docs = [];
  try {
    docs = yaml.loadAll(fs.readFileSync(path.join(dir, file), "utf8"), { filename: file });
  } catch (e) {
    check(false, `${file} parses: ${e.message}`);
  }
  for (const doc of docs.filter(Boolean)) {
    const Model = models[`${doc.apiVersion}/${doc.kind}`];
    if (!check(Model !== undefined, `${file}: ${doc.apiVersion} ${doc.kind} is a kind we ship`))
      continue;
    try {
      new Model(doc).validate();
      check(true, `${file}: ${doc.kind} ${doc.metadata.name} validates`);
    } catch (e) {
      check(false, `${file}: ${doc.kind} ${doc.metadata && doc.metadata.name}: ${e.message}`);
    }
    objects.push({ file, doc });
  }
}
if (failures > 0) process.exit(1);

// 2. Agreement.
const byKind = (kind) => objects.filter((o) => o.doc.kind === kind).map((o) => o.doc);
const configMaps = Object.fromEntries(byKind("ConfigMap").map((c) => [c.metadata.name, c]));
const claims = new Set(byKind("PersistentVolumeClaim").map((c) => c.metadata.name));
const jobs = byKind("Job");
const shardJobs = jobs.filter((j) => j.spec.completionMode === "Indexed");
const mergeJobs = jobs.filter((j) => j.spec.completionMode !== "Indexed");
check(shardJobs.length === 1, "one Indexed Job runs the shards");
check(mergeJobs.length === 1, "one Job merges and checks");
if (failures > 0) process.exit(1);
const shardJob = shardJobs[0];
const mergeJob = mergeJobs[0];
const shards = shardJob.spec.completions;
const shardsPage = fs.readFileSync(path.join(source, "docs/SHARDS.md"), "utf8");
check(
  shardsPage.includes(`kubectl create configmap ${kTablesConfigMap} --from-file=thresholds/`),
  `docs/SHARDS.md says how to make the ConfigMap ${kTablesConfigMap} from thresholds/`,
);
check(
  fs.readFileSync(path.join(source, "deploy/Dockerfile"), "utf8").includes(kImageBin),
  `deploy/Dockerfile puts the programs in ${kImageBin}`,
);

check(Number.isInteger(shards) && shards > 1, `the shards Job has completions (${shards})`);
check(shardJob.spec.parallelism === shards, "parallelism equals completions: shards run at once");
check(shardJob.spec.backoffLimit === 0, "a failed shard is not run again (backoffLimit 0)");
for (const job of jobs) {
  const pod = job.spec.template.spec;
  check(pod.restartPolicy === "Never", `${job.metadata.name}: restartPolicy Never`);
  const volumes = Object.fromEntries((pod.volumes || []).map((v) => [v.name, v]));
  for (const c of pod.containers) {
    const where = `${job.metadata.name}/${c.name}`;
    check(
      c.command && c.command[0].startsWith(kImageBin + "/") &&
        fs.existsSync(path.join(bin, path.basename(c.command[0]))),
      `${where}: runs a program the image holds (${c.command && c.command[0]})`,
    );
    for (const e of c.env || []) {
      const ref = e.valueFrom && e.valueFrom.configMapKeyRef;
      if (!ref) continue;
      check(
        configMaps[ref.name] !== undefined && ref.key in configMaps[ref.name].data,
        `${where}: env ${e.name} reads ConfigMap ${ref.name} key ${ref.key}, which exists`,
      );
    }
    for (const m of c.volumeMounts || []) {
      check(volumes[m.name] !== undefined, `${where}: mount ${m.name} names a volume`);
    }
  }
  for (const v of Object.values(volumes)) {
    if (v.configMap) {
      const cm = configMaps[v.configMap.name];
      check(
        cm !== undefined || v.configMap.name === kTablesConfigMap,
        `${job.metadata.name}: volume ${v.name} names ConfigMap ${v.configMap.name}`,
      );
      for (const item of v.configMap.items || []) {
        check(cm && item.key in cm.data, `${job.metadata.name}: item ${item.key} exists`);
      }
    }
    if (v.persistentVolumeClaim) {
      check(
        claims.has(v.persistentVolumeClaim.claimName),
        `${job.metadata.name}: claim ${v.persistentVolumeClaim.claimName} is defined`,
      );
    }
  }
}
const shardContainer = shardJob.spec.template.spec.containers[0];
const shardArgs = shardContainer.args || [];
const shardFlag = shardArgs.indexOf("--shard");
check(
  shardFlag >= 0 && shardArgs[shardFlag + 1] === `$(JOB_COMPLETION_INDEX)/${shards}`,
  `the shard's --shard is $(JOB_COMPLETION_INDEX)/${shards}, as many as completions`,
);
const indexEnv = (shardContainer.env || []).find((e) => e.name === "JOB_COMPLETION_INDEX");
check(
  indexEnv !== undefined && indexEnv.valueFrom.fieldRef.fieldPath === kIndexAnnotation,
  "JOB_COMPLETION_INDEX comes from the Job's completion-index annotation",
);
if (failures > 0) process.exit(1);

// 3. Run the pods here. Environment as the kubelet resolves it: in order, $(VAR) expanded from
// the variables before; mounts as local folders; the image's programs as BIN_DIR's.
function podEnvironment(container, index) {
  const env = {};
  const expand = (s) =>
    s.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, name) =>
      name in env ? env[name] : whole,
    );
  for (const e of container.env || []) {
    if (e.value !== undefined) env[e.name] = expand(e.value);
    else if (e.valueFrom.fieldRef) env[e.name] = String(index);
    else if (e.valueFrom.configMapKeyRef) {
      const ref = e.valueFrom.configMapKeyRef;
      env[e.name] = configMaps[ref.name].data[ref.key];
    }
  }
  return { env, expand };
}

// Each volume's folder, filled once (pods running meanwhile read it).
const volumeFolders = {};
function volumeFolder(volume) {
  const key = JSON.stringify(volume);
  if (!(key in volumeFolders)) volumeFolders[key] = makeVolumeFolder(volume);
  return volumeFolders[key];
}

function makeVolumeFolder(volume) {
  if (volume.persistentVolumeClaim) {
    return path.join(work, "claims", volume.persistentVolumeClaim.claimName);
  }
  const name = volume.configMap.name;
  const folder = path.join(work, "configmaps", volume.name + "-" + name);
  fs.mkdirSync(folder, { recursive: true });
  if (name === kTablesConfigMap) {
    // This check's own table (a short run), as --from-file=thresholds/ would hold the real ones.
    fs.writeFileSync(
      path.join(folder, "concurrent_users.json"),
      JSON.stringify({
        suite: "concurrent_users",
        scenarios: {
          sustained_load: {
            load: {
              ci: { executor: "closed_loop", users: 8, duration: "2s", think_time: "5ms" },
            },
            thresholds: {
              latency: { "p(95)": { acceptable: "1s" } },
              error_rate: { rate: { acceptable: "1%" } },
            },
            min_samples: 100,
          },
        },
      }),
    );
  } else {
    const items = volume.configMap.items || Object.keys(configMaps[name].data).map((key) => ({
      key,
      path: key,
    }));
    for (const item of items) {
      fs.writeFileSync(path.join(folder, item.path), configMaps[name].data[item.key]);
    }
  }
  return folder;
}

function podCommand(job, index) {
  const pod = job.spec.template.spec;
  const container = pod.containers[0];
  const { env, expand } = podEnvironment(container, index);
  const mounts = (container.volumeMounts || [])
    .map((m) => ({
      from: m.mountPath,
      to: volumeFolder(pod.volumes.find((v) => v.name === m.name)),
    }))
    .sort((a, b) => b.from.length - a.from.length);
  // A mount path at the start of a value or after "=" or ":" (--gtest_output=xml:/results/...).
  const escape = (p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const local = (s) => {
    for (const m of mounts) {
      s = s.replace(new RegExp(`(^|[=:])${escape(m.from)}(?=/|$)`, "g"), (_, lead) => lead + m.to);
    }
    return s;
  };
  for (const k of Object.keys(env)) env[k] = local(env[k]);
  const argv = [...container.command, ...(container.args || [])].map((a) => local(expand(a)));
  argv[0] = path.join(bin, path.basename(argv[0]));
  return { argv, env };
}

function run({ argv, env }, extraEnv, label) {
  return new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1), {
      env: { PATH: process.env.PATH, ...env, ...extraEnv },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    child.on("close", (code) => {
      if (code !== 0) console.log(`--- ${label} (${argv.join(" ")}):\n${output}`);
      resolve({ code, output });
    });
  });
}

(async () => {
  // The cluster's targets file names the user's services; here, the reference service stands in.
  const local = { PERFGATE_TARGET_HTTP: referenceUrl, GTEST_FILTER: "*SustainedLoad*" };
  const pods = [];
  for (let i = 0; i < shards; i++) {
    pods.push(run(podCommand(shardJob, i), local, `shard ${i}`));
  }
  const done = await Promise.all(pods);
  done.forEach((r, i) => check(r.code === 0, `shard pod ${i} ran and exited 0`));
  const shardCommand = podCommand(shardJob, 0);
  const resultsDir = shardCommand.env.PERFGATE_RESULTS_DIR;
  for (let i = 0; i < shards; i++) {
    const file = `${resultsDir}/concurrent_users/sustained_load.shard-${i}-of-${shards}.json`;
    check(fs.existsSync(file), `shard ${i} wrote ${path.relative(work, file)}`);
  }

  const mergeCommand = podCommand(mergeJob, 0);
  check(mergeCommand.argv[1] === "merge", "the merge Job runs perfgate merge");
  check(mergeCommand.argv.includes(resultsDir), "the merge Job reads the folder the shards write");
  const tablesFlag = mergeCommand.argv.indexOf("--thresholds");
  check(
    tablesFlag > 0 && mergeCommand.argv[tablesFlag + 1] === shardCommand.env.PERFGATE_THRESHOLDS_DIR,
    "the merge Job judges with the tables the shards ran with",
  );
  for (let i = 0; i < shards; i++) {
    const junit = `${path.dirname(resultsDir)}/junit/shard-${i}.xml`;
    check(fs.existsSync(junit), `shard ${i} wrote its JUnit file ${path.relative(work, junit)}`);
  }
  const merged = await run(mergeCommand, {}, "merge");
  check(merged.code === 0, "the merge Job's command exits 0 (every rule held)");
  const dirFlag = mergeCommand.argv.indexOf("--results-dir");
  const mergedFile = `${mergeCommand.argv[dirFlag + 1]}/concurrent_users/sustained_load.json`;
  if (check(fs.existsSync(mergedFile), `the merged run is at ${path.relative(work, mergedFile)}`)) {
    const result = JSON.parse(fs.readFileSync(mergedFile, "utf8"));
    check(result.context.merged_shards === shards, `it rests on all ${shards} shards`);
    check(result.passed === true && result.thresholds.length > 0, "it was judged and passed");
  }
  process.exit(failures > 0 ? 1 : 0);
})();
