package retail.serving;

import org.apache.spark.sql.catalyst.FunctionIdentifier;
import org.apache.spark.sql.catalyst.analysis.FunctionRegistry;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.ExpressionInfo;
import org.apache.spark.sql.classic.SparkSession;
import scala.Function1;
import scala.Option;
import scala.Tuple3;
import scala.collection.immutable.Seq;

/**
 * Makes functions registered on the root session (the project's Python UDFs) exist in every
 * session created after it: the Thrift Server gives each client its own session
 * ({@code newSession()}), whose function registry starts from the built-ins plus the functions
 * injected into the shared {@code SparkSessionExtensions}, not from the root's registry.
 */
public final class SharedFunctions {
  private SharedFunctions() {}

  /** Inject each of `names` registered on `root` into the sessions created later; the count. */
  public static int share(SparkSession root, String[] names) {
    FunctionRegistry registry = root.sessionState().functionRegistry();
    int shared = 0;
    for (String name : names) {
      FunctionIdentifier id = FunctionIdentifier.apply(name);
      Option<ExpressionInfo> info = registry.lookupFunction(id);
      Option<Function1<Seq<Expression>, Expression>> builder = registry.lookupFunctionBuilder(id);
      if (info.isEmpty() || builder.isEmpty()) {
        continue; // not a temporary function (e.g. one an extension injects itself)
      }
      root.extensions().injectFunction(new Tuple3<>(id, info.get(), builder.get()));
      shared++;
    }
    return shared;
  }
}
