package io.thrustmq.compat.scenario;

import com.alibaba.fastjson.JSONArray;
import com.alibaba.fastjson.JSONObject;
import io.thrustmq.compat.Context;
import io.thrustmq.compat.Scenario;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;
import org.apache.commons.cli.PosixParser;
import org.apache.rocketmq.srvutil.ServerUtil;
import org.apache.rocketmq.tools.command.MQAdminStartup;
import org.apache.rocketmq.tools.command.SubCommand;

/**
 * Apache's mqadmin, in process: {@code MQAdminStartup.main0(argv, null)} with System.out and
 * System.err captured. Args: argv (the command and its options; the test passes -n itself).
 * Returns {stdout, stderr}.
 *
 * <p>System.setOut is global, so one command runs at a time. ServerUtil.parseCmdLine calls
 * System.exit on bad options, which would end the whole runner: the options are parsed here
 * first with the command's own option table, and bad ones fail this request instead.
 */
public final class Mqadmin implements Scenario {
  private static final Object LOCK = new Object();
  private static boolean homeReady;

  @Override
  public Object run(JSONObject args, Context ctx) throws Exception {
    JSONArray list = args.getJSONArray("argv");
    String[] argv = list.toArray(new String[0]);
    if (argv.length == 0) throw new IllegalArgumentException("argv is empty");
    synchronized (LOCK) {
      prepareHome();
      check(argv);
      PrintStream out = System.out;
      PrintStream err = System.err;
      ByteArrayOutputStream stdout = new ByteArrayOutputStream();
      ByteArrayOutputStream stderr = new ByteArrayOutputStream();
      try {
        System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(stderr, true, StandardCharsets.UTF_8));
        resetCommands();
        MQAdminStartup.main0(argv, null);
      } finally {
        System.out.flush();
        System.err.flush();
        System.setOut(out);
        System.setErr(err);
      }
      return new JSONObject()
          .fluentPut("stdout", stdout.toString(StandardCharsets.UTF_8))
          .fluentPut("stderr", stderr.toString(StandardCharsets.UTF_8));
    }
  }

  /**
   * main0 reads ROCKETMQ_HOME's conf/logback_tools.xml (and fails without it) and resets
   * logback to it: a config with no appender keeps the tools' logs out of the captured output.
   * MQAdminStartup reads the home once, when the class loads, so this runs before that.
   */
  private static void prepareHome() throws Exception {
    if (homeReady) return;
    Path home = Path.of(System.getProperty("user.home"), "mqadmin-home");
    Files.createDirectories(home.resolve("conf"));
    Files.writeString(home.resolve("conf").resolve("logback_tools.xml"),
        "<configuration><root level=\"OFF\"/></configuration>\n");
    System.setProperty("rocketmq.home.dir", home.toString());
    homeReady = true;
  }

  /** main0 adds every command to a static list on each call: start from an empty one. */
  @SuppressWarnings("unchecked")
  private static List<SubCommand> commands() throws ReflectiveOperationException {
    Field field = MQAdminStartup.class.getDeclaredField("subCommandList");
    field.setAccessible(true);
    return (List<SubCommand>) field.get(null);
  }

  private static void resetCommands() throws ReflectiveOperationException {
    commands().clear();
  }

  private static void check(String[] argv) throws Exception {
    resetCommands();
    MQAdminStartup.initCommand();
    SubCommand found = null;
    for (SubCommand cmd : commands()) {
      if (cmd.commandName().equalsIgnoreCase(argv[0])
          || (cmd.commandAlias() != null && cmd.commandAlias().equalsIgnoreCase(argv[0]))) {
        found = cmd;
        break;
      }
    }
    if (found == null) throw new IllegalArgumentException("no mqadmin command " + argv[0]);
    Options options = found.buildCommandlineOptions(ServerUtil.buildCommandlineOptions(new Options()));
    String[] rest = Arrays.copyOfRange(argv, 1, argv.length);
    CommandLine parsed;
    try {
      parsed = new PosixParser().parse(options, rest);
    } catch (ParseException e) {
      throw new IllegalArgumentException("mqadmin " + argv[0] + ": " + e.getMessage());
    }
    if (parsed.hasOption('h')) throw new IllegalArgumentException("-h would exit the runner");
  }
}
