package retail.serving;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.CurrentUserContext;
import org.apache.spark.sql.catalyst.TableIdentifier;
import org.apache.spark.sql.catalyst.analysis.ResolvedNamespace;
import org.apache.spark.sql.catalyst.analysis.ResolvedPersistentView;
import org.apache.spark.sql.catalyst.analysis.ResolvedTable;
import org.apache.spark.sql.catalyst.catalog.CatalogTable;
import org.apache.spark.sql.catalyst.catalog.HiveTableRelation;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.plans.logical.Command;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.catalyst.plans.logical.View;
import org.apache.spark.sql.connector.catalog.Identifier;
import org.apache.spark.sql.execution.command.SetCommand;
import org.apache.spark.sql.execution.command.ShowTablesCommand;
import org.apache.spark.sql.execution.datasources.HadoopFsRelation;
import org.apache.spark.sql.execution.datasources.LogicalRelation;
import org.apache.spark.sql.execution.datasources.v2.DataSourceV2Relation;
import scala.collection.Iterator;
import scala.jdk.javaapi.CollectionConverters;
import scala.runtime.AbstractFunction1;
import scala.runtime.BoxedUnit;

/**
 * The check `retail serve` runs on every analyzed plan of a client's statement, before it runs.
 *
 * <p>The user is the Thrift Server's session user ({@code CurrentUserContext.CURRENT_USER}, set
 * for each operation); the role comes from the users file. Every role is refused commands,
 * code loading and files outside the warehouse; the {@code bi} role may in addition only read
 * the readable schemas (and what a view in a published schema reads), list and describe them.
 * Statements of the server's own process (no session user) are not checked.
 */
public final class AccessPolicy extends AbstractFunction1<LogicalPlan, BoxedUnit> {
  public static final String READER = "bi";
  public static final String WRITER = "dbt";
  static final String CONF = "spark.retail.serving.";

  /** Plans no client may run: commands, code loading, writes outside the warehouse. */
  static final Set<String> FORBIDDEN = set(
      "ScriptTransformation", "AddJarsCommand", "AddFilesCommand", "AddArchivesCommand",
      "CreateFunctionCommand", "CreateFunction", "CreateUserDefinedFunction",
      "InsertIntoDir", "InsertIntoDataSourceDirCommand", "InsertIntoHiveDirCommand",
      "LoadDataCommand");

  /**
   * Commands a reader may run: listing, describing, reading settings, and choosing the
   * current schema (`use`: the session is the client's own, and reads are checked anyway).
   */
  static final Set<String> READER_COMMANDS = set(
      "ShowTablesCommand", "ShowTables", "ShowTablesExtended", "ShowTableExtended",
      "ShowViewsCommand", "ShowViews", "ShowNamespaces", "ShowNamespacesCommand",
      "ShowColumnsCommand", "ShowColumns", "DescribeTableCommand", "DescribeRelation",
      "DescribeColumnCommand", "DescribeColumn", "DescribeNamespace", "DescribeDatabaseCommand",
      "DescribeFunctionCommand", "DescribeFunction", "ShowFunctionsCommand", "ShowFunctions",
      "ShowTablePropertiesCommand", "ShowTableProperties", "ShowCurrentNamespaceCommand",
      "ShowCurrentNamespace", "ShowCatalogsCommand", "ShowCatalogs", "SetNamespaceCommand",
      "SetCatalogAndNamespace", "SetCommand");

  static final String VIEW_RESOLVER = "org.apache.spark.sql.catalyst.analysis.ViewResolution";
  static final StackWalker VIEW_RESOLUTION = StackWalker.getInstance();

  static final Set<String> USE_COMMANDS =
      set("SetNamespaceCommand", "SetCatalogAndNamespace", "SetCatalogCommand");

  private final SparkSession session;

  public AccessPolicy(SparkSession session) {
    this.session = session;
  }

  private static Set<String> set(String... names) {
    return new HashSet<>(Arrays.asList(names));
  }

  private String conf(String key, String fallback) {
    return session.conf().get(CONF + key, fallback);
  }

  private Set<String> schemas(String key, String fallback) {
    Set<String> result = new HashSet<>();
    for (String name : conf(key, fallback).split(",")) {
      if (!name.isBlank()) {
        result.add(name.trim().toLowerCase(Locale.ROOT));
      }
    }
    return result;
  }

  @Override
  public BoxedUnit apply(LogicalPlan plan) {
    String user = CurrentUserContext.CURRENT_USER().get();
    if (user == null) {
      return BoxedUnit.UNIT; // the server's own start-up, not a client
    }
    String role = UserFile.role(user);
    if (role == null) {
      role = conf("defaultRole", "");
    }
    if (!READER.equals(role) && !WRITER.equals(role)) {
      throw deny(user, role, "the user has no role in the users file");
    }
    // Spark checks a view's body on its own while it resolves the view (ViewResolution), without
    // the View node around it: its reads are checked once the whole statement is resolved,
    // with its View nodes; the forbidden plans are checked here too
    boolean insideView = VIEW_RESOLUTION.walk(frames -> frames.anyMatch(
        frame -> frame.getClassName().startsWith(VIEW_RESOLVER)));
    new Walk(user, role, insideView).run(plan);
    return BoxedUnit.UNIT;
  }

  static SecurityException deny(String user, String role, String what) {
    String hint = READER.equals(role)
        ? " Readers (role bi) may only query, list and describe the published marts."
        : "";
    SecurityException refusal = new SecurityException(
        "retail serve: refused for user '" + user + "' (role " + role + "): " + what + "." + hint);
    if (System.getenv("RETAIL_SERVING_DEBUG") != null) {
      refusal.printStackTrace(); // where in Spark the refused plan was checked
    }
    return refusal;
  }

  /** One check of one plan for one user. */
  private final class Walk {
    final String user;
    final String role;
    final boolean reader;
    final Set<String> readable;
    final Set<String> published;
    final Path warehouse;

    Walk(String user, String role, boolean insideView) {
      this.user = user;
      this.role = role;
      this.reader = READER.equals(role) && !insideView;
      this.readable = schemas("readableSchemas", "marts,reference");
      this.published = schemas("publishedSchemas", "marts");
      this.warehouse = new Path(session.conf().get("spark.sql.warehouse.dir"));
    }

    void run(LogicalPlan root) {
      if (reader) {
        checkReaderRoot(root);
        if (USE_COMMANDS.contains(root.getClass().getSimpleName())) {
          return; // `use x` in the client's own session; what it then reads is checked
        }
      }
      visit(root, false);
    }

    SecurityException deny(String what) {
      return AccessPolicy.deny(user, role, what);
    }

    void checkReaderRoot(LogicalPlan root) {
      String name = root.getClass().getSimpleName();
      if (root instanceof Command && !READER_COMMANDS.contains(name)) {
        throw deny("statements that change tables, settings or the catalog (" + name + ")");
      }
      if (root instanceof SetCommand setting && setting.kv().isDefined()
          && setting.kv().get()._2().isDefined()) {
        throw deny("SET of " + setting.kv().get()._1());
      }
      if (root instanceof ShowTablesCommand show) {
        checkSchema(show.databaseName().isDefined() ? show.databaseName().get() : null, false);
      }
      // v1 describe/show commands name their table with a TableIdentifier
      Iterator<Object> fields = root.productIterator();
      while (fields.hasNext()) {
        Object field = fields.next();
        if (field instanceof TableIdentifier table) {
          checkSchema(table.database().isDefined() ? table.database().get() : null, false);
        }
      }
    }

    void visit(LogicalPlan plan, boolean viaPublishedView) {
      String name = plan.getClass().getSimpleName();
      if (FORBIDDEN.contains(name)) {
        throw deny(describe(name));
      }
      for (Expression expression : CollectionConverters.asJava(plan.expressions())) {
        checkExpression(expression);
      }
      boolean via = viaPublishedView;
      if (plan instanceof View view) {
        String schema = database(view.desc());
        if (!view.isTempView() && schema != null && published.contains(schema)) {
          via = true;
        } else if (reader && !via) {
          checkSchema(schema, true);
        }
      } else if (plan instanceof LogicalRelation relation) {
        if (relation.catalogTable().isDefined()) {
          checkTable(database(relation.catalogTable().get()), via);
        } else if (relation.relation() instanceof HadoopFsRelation files) {
          for (Path path : CollectionConverters.asJava(files.location().rootPaths())) {
            if (!isUnderWarehouse(path)) {
              throw deny("reading files outside the warehouse (" + path + ")");
            }
          }
        }
      } else if (plan instanceof HiveTableRelation relation) {
        checkTable(database(relation.tableMeta()), via);
      } else if (plan instanceof DataSourceV2Relation relation) {
        if (relation.identifier().isDefined()) {
          Identifier id = relation.identifier().get();
          if (id.name().contains("/")) {
            throw deny("queries on file paths (" + id.name() + ")");
          }
          checkTable(last(Arrays.asList(id.namespace())), via);
        } else if (reader && !via) {
          throw deny("reading a relation that is not a table of the catalog");
        }
      } else if (plan instanceof ResolvedTable table) {
        checkTable(last(Arrays.asList(table.identifier().namespace())), via);
      } else if (plan instanceof ResolvedPersistentView view) {
        checkTable(last(Arrays.asList(view.identifier().namespace())), via);
      } else if (plan instanceof ResolvedNamespace namespace
          && !namespace.namespace().isEmpty()) { // empty: the catalog (`show databases`)
        checkTable(last(CollectionConverters.asJava(namespace.namespace())), via);
      }
      for (LogicalPlan child : CollectionConverters.asJava(plan.children())) {
        visit(child, via);
      }
      for (LogicalPlan subquery : CollectionConverters.asJava(plan.subqueries())) {
        visit(subquery, via);
      }
    }

    void checkExpression(Expression expression) {
      String name = expression.getClass().getSimpleName();
      if (name.equals("CallMethodViaReflection")) {
        throw deny("calling Java methods (reflect, java_method)");
      }
      for (Expression child : CollectionConverters.asJava(expression.children())) {
        checkExpression(child);
      }
    }

    void checkTable(String schema, boolean viaPublishedView) {
      if (reader && !viaPublishedView) {
        checkSchema(schema, true);
      }
    }

    void checkSchema(String schema, boolean reading) {
      if (!reader) {
        return;
      }
      String name = schema == null
          ? session.catalog().currentDatabase()
          : schema;
      if (!readable.contains(name.toLowerCase(Locale.ROOT))) {
        throw deny((reading ? "reading" : "using") + " schema '" + name
            + "' (readable: " + String.join(", ", new java.util.TreeSet<>(readable)) + ")");
      }
    }

    boolean isUnderWarehouse(Path path) {
      String root = warehouse.toUri().getPath();
      String file = path.toUri().getPath();
      return file != null && root != null && (file + "/").startsWith(root.endsWith("/") ? root : root + "/");
    }

    String describe(String name) {
      switch (name) {
        case "ScriptTransformation":
          return "TRANSFORM ... USING (running a command)";
        case "AddJarsCommand":
        case "AddFilesCommand":
        case "AddArchivesCommand":
          return "ADD JAR/FILE/ARCHIVE (loading code or files)";
        case "CreateFunctionCommand":
        case "CreateFunction":
        case "CreateUserDefinedFunction":
          return "CREATE FUNCTION (loading code)";
        case "LoadDataCommand":
          return "LOAD DATA (reading files)";
        default:
          return "INSERT OVERWRITE DIRECTORY (writing files)";
      }
    }
  }

  static String database(CatalogTable table) {
    TableIdentifier id = table.identifier();
    return id.database().isDefined() ? id.database().get() : null;
  }

  static String last(List<String> parts) {
    return parts.isEmpty() ? null : parts.get(parts.size() - 1);
  }
}
