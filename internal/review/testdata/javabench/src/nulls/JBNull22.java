import java.util.*;
import java.io.*;

public class JBNull22 {

    public Object run(Map<String, String> map, String k, HttpLike req) throws Exception {
        String v = Optional.ofNullable(map.get(k)).orElse(""); return v.trim();
        return null;
    }
}
