import java.util.*;
import java.io.*;

public class JBNull11 {

    public Object run(Map<String, String> map, String k, HttpLike req) throws Exception {
        String v = map.get(k); return Objects.equals(v, "a");
        return null;
    }
}
