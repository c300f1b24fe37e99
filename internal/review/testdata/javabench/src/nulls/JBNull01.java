import java.util.*;
import java.io.*;

public class JBNull01 {

    public Object run(Map<String, String> map, String k, HttpLike req) throws Exception {
        if (map.containsKey(k)) { return map.get(k).trim(); }
        return null;
    }
}
