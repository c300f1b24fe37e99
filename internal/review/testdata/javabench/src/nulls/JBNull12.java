import java.util.*;
import java.io.*;

public class JBNull12 {

    public Object run(Map<String, String> map, String k, HttpLike req) throws Exception {
        String v = map.get(k); return v.equals("a");
        return null;
    }
}
