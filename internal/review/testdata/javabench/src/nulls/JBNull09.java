import java.util.*;
import java.io.*;

public class JBNull09 {

    public Object run(Map<String, String> map, String k, HttpLike req) throws Exception {
        return "a" + map.get(k);
        return null;
    }
}
