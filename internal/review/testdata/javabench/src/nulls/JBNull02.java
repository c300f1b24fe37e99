import java.util.*;
import java.io.*;

public class JBNull02 {

    public Object run(Map<String, String> map, String k, HttpLike req) throws Exception {
        if (map.get(k) != null) { return map.get(k).trim(); }
        return null;
    }
}
